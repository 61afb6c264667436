import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toYaml } from '../../src/observe/yaml-emit.ts';

describe('YAML emitter', () => {
  it('writes nested mappings and sequences in block style, keys in insertion order', () => {
    assert.equal(
      toYaml({ groups: [{ name: 'g', rules: [{ alert: 'A', for: '5m', labels: { severity: 'critical' } }] }], empty: [], none: {} }),
      ['groups:', '  - name: g', '    rules:', '      - alert: A', '        for: 5m', '        labels:', '          severity: critical', 'empty: []', 'none: {}', ''].join('\n'),
    );
    assert.equal(toYaml([['a', 'b'], 1, true, null]), '- - a\n  - b\n- 1\n- true\n- null\n');
  });

  it('quotes strings a plain scalar would change: booleans, numbers, templates, quotes, newlines', () => {
    const out = (s: string) => toYaml({ k: s }).slice('k: '.length, -1);
    assert.equal(out('critical'), 'critical');
    assert.equal(out('1h'), '1h');
    assert.equal(out('no'), "'no'");
    assert.equal(out('On'), "'On'");
    assert.equal(out('60'), "'60'");
    assert.equal(out('1.5'), "'1.5'");
    assert.equal(out(''), "''");
    assert.equal(out('a: b'), "'a: b'");
    assert.equal(out('x # y'), "'x # y'");
    assert.equal(out('{{ $labels.group }} is late'), "'{{ $labels.group }} is late'");
    assert.equal(out("it's"), "'it''s'");
    assert.equal(out('a\nb'), '"a\\nb"');
    assert.equal(out('trailing '), "'trailing '");
  });

  it('refuses numbers YAML cannot hold', () => {
    assert.throws(() => toYaml({ k: Number.NaN }), /finite/);
  });
});
