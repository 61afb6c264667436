import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WIRE_HEADER_STRINGS, encodeEvent } from '../../src/event/codec.ts';
import { validateEvent } from '../../src/event/envelope.ts';
import { HeaderStrings } from '../../src/kafka/header-strings.ts';
import { event } from '../support/canary.ts';

describe('header strings', () => {
  const strings = new HeaderStrings(['ce_id', 'ce_type', '1.0', 'café']);

  it('gives what Buffer#toString gives, for known and unknown bytes alike', () => {
    // Ranges of one buffer, as a fetch response holds them; same lengths as known strings on purpose.
    const wire = Buffer.from('ce_idce_ixce_type1.01.1café cafécafè');
    const cases: [number, number, string][] = [
      [0, 5, 'ce_id'],
      [5, 10, 'ce_ix'],
      [10, 17, 'ce_type'],
      [17, 20, '1.0'],
      [20, 23, '1.1'],
      [23, 28, 'café'],
      [28, 29, ' '],
      [29, 34, 'café'],
      [34, 39, 'cafè'],
    ];
    for (const [from, to, text] of cases) {
      assert.equal(strings.read(wire, from, to - from), text);
      assert.equal(strings.read(wire, from, to - from), wire.toString('utf8', from, to));
    }
  });

  it('decodes an empty header as the empty string', () => {
    assert.equal(strings.read(Buffer.from('ce_id'), 2, 0), '');
  });

  it('knows every header name and fixed value a vigil record carries', () => {
    const { headers } = encodeEvent(validateEvent(event({ event_type: 'lab_result' })), { source: 'urn:vigil:test', receivedTime: '2026-11-27T05:00:00.000Z' });
    const known = new Set(WIRE_HEADER_STRINGS);
    for (const name of Object.keys(headers)) assert.ok(known.has(name), `header name ${name} is known`);
    for (const name of ['ce_specversion', 'ce_schemaversion', 'content-type', 'ce_type']) {
      assert.ok(known.has(headers[name] as string), `the value of ${name} is known`);
    }
  });
});
