import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DELIMITERS, decodeEscapes, type Delimiters } from '../../../src/gateway/hl7/escape.ts';

const d = DEFAULT_DELIMITERS;

describe('HL7 escape sequences', () => {
  it('decodes the delimiter escapes and line breaks', () => {
    assert.equal(decodeEscapes('A\\F\\B\\S\\C\\T\\D\\R\\E\\E\\F', d), 'A|B^C&D~E\\F');
    assert.equal(decodeEscapes('line 1\\.br\\line 2', d), 'line 1\nline 2');
    assert.equal(decodeEscapes('a\\.sp\\b\\.sp3\\c', d), 'a\nb\n\n\nc');
  });

  it('decodes hexadecimal data as UTF-8, else as Latin-1', () => {
    assert.equal(decodeEscapes('caf\\XC3A9\\ au lait', d), 'café au lait');
    assert.equal(decodeEscapes('caf\\XE9\\', d), 'café');
    assert.equal(decodeEscapes('\\X41424344\\', d), 'ABCD');
  });

  it('drops presentation-only sequences', () => {
    assert.equal(decodeEscapes('\\H\\CRITICAL\\N\\ value', d), 'CRITICAL value');
    assert.equal(decodeEscapes('\\.in+4\\indented\\.ce\\', d), 'indented');
    assert.equal(decodeEscapes('x\\Zlocal\\y', d), 'xy');
  });

  it('keeps text that is not an escape sequence as sent', () => {
    assert.equal(decodeEscapes('no escapes here', d), 'no escapes here');
    assert.equal(decodeEscapes('C:\\temp', d), 'C:\\temp');
    assert.equal(decodeEscapes('a\\Q\\b', d), 'a\\Q\\b');
    assert.equal(decodeEscapes('\\\\', d), '\\\\');
  });

  it("uses the message's own delimiters", () => {
    const custom: Delimiters = { field: '*', component: '@', repetition: '!', escape: '$', subcomponent: '%' };
    assert.equal(decodeEscapes('A$F$B$S$C$T$D$R$E$E$$.br$F', custom), 'A*B@C%D!E$\nF');
    assert.equal(decodeEscapes('back\\slash', custom), 'back\\slash');
  });
});
