// Every limit of the default table at its boundaries: just inside, at, and just outside, low and
// high. The expected numbers are written out here, so a change to the data file shows as a test change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeAgainstLimit } from '../../src/clinical/critical/limits.ts';
import { isLoinc, loadCriticalTable } from '../../src/clinical/critical/load-table.ts';
import type { CriticalLimit } from '../../src/clinical/critical/table.ts';

const table = loadCriticalTable();

function limitOf(loinc: string): CriticalLimit {
  const l = table.limits.get(loinc);
  assert.ok(l, `no limit for ${loinc}`);
  return l;
}

function status(loinc: string, value: unknown, units?: string): string {
  const o = judgeAgainstLimit(value, units ?? limitOf(loinc).units, limitOf(loinc));
  return o.status === 'critical' ? `critical-${o.direction}` : o.status === 'within' ? 'within' : `not-judged:${o.reason}`;
}

// [LOINC, low side: outside, at, inside] [high side: inside, at, outside]
const BOUNDARIES: [string, [number, number, number] | null, [number, number, number]][] = [
  ['2823-3', [2.7, 2.8, 2.9], [6.1, 6.2, 6.3]],
  ['6298-4', [2.7, 2.8, 2.9], [6.1, 6.2, 6.3]],
  ['2951-2', [119, 120, 121], [157, 158, 159]],
  ['2947-0', [119, 120, 121], [157, 158, 159]],
  ['2345-7', [45, 46, 47], [483, 484, 485]],
  ['2339-0', [45, 46, 47], [483, 484, 485]],
  ['17861-6', [6.5, 6.6, 6.7], [12.8, 12.9, 13.0]],
  ['2000-8', [1.64, 1.65, 1.66], [3.21, 3.22, 3.23]],
  ['2028-9', [10, 11, 12], [39, 40, 41]],
  ['1963-8', [10, 11, 12], [39, 40, 41]],
  ['718-7', [6.5, 6.6, 6.7], [19.8, 19.9, 20.0]],
  ['4544-3', [17, 18, 19], [60, 61, 62]],
  ['777-3', [36, 37, 38], [909, 910, 911]],
  ['6690-2', [1.9, 2.0, 2.1], [36.9, 37.0, 37.1]],
];

describe('critical limits: the default table', () => {
  it('is versioned with its name, revision and a hash of its rules', () => {
    assert.match(table.version, /^kost1990-v1\+[0-9a-f]{8}$/);
  });

  it('cites a listed source for every limit and delta check, and uses valid LOINC codes', () => {
    for (const l of table.limits.values()) {
      assert.ok(table.sources.has(l.source), `${l.loinc} cites ${l.source}`);
      assert.ok(isLoinc(l.loinc), l.loinc);
    }
    for (const d of table.deltaChecks) {
      assert.ok(table.sources.has(d.source), `${d.id} cites ${d.source}`);
      for (const code of d.loinc) assert.ok(isLoinc(code), code);
    }
    assert.match(table.sources.get('kost1990')?.citation ?? '', /JAMA\. 1990;263\(5\):704-707/);
  });

  it('every limit in the table is covered by the boundary cases below', () => {
    const covered = new Set([...BOUNDARIES.map(([code]) => code), '6301-6']);
    assert.deepEqual([...table.limits.keys()].sort(), [...covered].sort());
  });
});

describe('critical limits: boundaries (strict: the limit itself is not critical)', () => {
  for (const [code, low, high] of BOUNDARIES) {
    const units = table.limits.get(code)?.units;
    if (low) {
      it(`${code} low: ${low[0]} critical, ${low[1]} and ${low[2]} not (${units})`, () => {
        assert.equal(status(code, low[0]), 'critical-low');
        assert.equal(status(code, low[1]), 'within');
        assert.equal(status(code, low[2]), 'within');
      });
    }
    it(`${code} high: ${high[0]} and ${high[1]} not, ${high[2]} critical (${units})`, () => {
      assert.equal(status(code, high[0]), 'within');
      assert.equal(status(code, high[1]), 'within');
      assert.equal(status(code, high[2]), 'critical-high');
    });
  }

  it('INR 6301-6: 4.9 not critical, 5.0 (at the limit) and 5.1 critical, no low limit', () => {
    assert.equal(status('6301-6', 4.9), 'within');
    assert.equal(status('6301-6', 5.0), 'critical-high');
    assert.equal(status('6301-6', 5.1), 'critical-high');
    assert.equal(status('6301-6', 0.1), 'within');
    assert.equal(status('6301-6', 5.0, undefined), 'critical-high');
    assert.equal(status('6301-6', '5.0', ''), 'critical-high');
  });
});

describe('critical limits: values in other units and forms', () => {
  it('glucose 2.5 mmol/L is 45.04 mg/dL: critical low; 2.6 mmol/L is not', () => {
    const o = judgeAgainstLimit(2.5, 'mmol/L', limitOf('2345-7'));
    assert.deepEqual(o, { status: 'critical', direction: 'low', value: 45.04, units: 'mg/dL', converted: true });
    assert.equal(status('2345-7', 2.6, 'mmol/L'), 'within');
    assert.equal(status('2345-7', 27, 'mmol/l'), 'critical-high');
  });

  it('hemoglobin in g/L: 65 critical, 66 at the limit', () => {
    assert.equal(status('718-7', 65, 'g/L'), 'critical-low');
    assert.equal(status('718-7', 66, 'g/L'), 'within');
    assert.equal(status('718-7', 200, 'g/L'), 'critical-high');
  });

  it('potassium in mEq/L and respelled units', () => {
    assert.equal(status('2823-3', 6.3, 'mEq/L'), 'critical-high');
    assert.equal(status('2823-3', 6.2, 'MEQ/L'), 'within');
    const o = judgeAgainstLimit(6.3, 'MMOL/L', limitOf('2823-3'));
    assert.equal(o.status === 'critical' && o.converted, false, 'a respelling is not a conversion');
  });

  it('platelets in 10^9/L, K/uL and x10E3/uL', () => {
    assert.equal(status('777-3', 36, '10^9/L'), 'critical-low');
    assert.equal(status('777-3', 36, 'K/uL'), 'critical-low');
    assert.equal(status('777-3', 911, 'x10E3/uL'), 'critical-high');
    assert.equal(status('777-3', 36_000, 'cells/uL'), 'critical-low');
  });

  it('calcium in mmol/L against the mg/dL limit', () => {
    assert.equal(status('17861-6', 1.6, 'mmol/L'), 'critical-low');
    assert.equal(status('17861-6', 1.7, 'mmol/L'), 'within');
  });

  it('numeric text and bounds: ">600" proves a critical glucose, ">400" proves nothing', () => {
    assert.equal(status('2823-3', '6.3'), 'critical-high');
    assert.equal(status('2345-7', '>600'), 'critical-high');
    assert.equal(status('2345-7', '> 484'), 'critical-high');
    assert.equal(status('2345-7', '>400'), 'not-judged:bound-inconclusive');
    assert.equal(status('2823-3', '<1.0'), 'critical-low');
    assert.equal(status('6301-6', '>=5'), 'critical-high');
  });

  it('unconvertible units and non-numeric values are not judged, and say why', () => {
    assert.equal(status('2823-3', 6.8, 'furlongs'), 'not-judged:units-unknown');
    assert.equal(status('2823-3', 6.8, 'mg/dL'), 'not-judged:units-incompatible');
    assert.equal(status('2823-3', 6.8, ''), 'not-judged:units-missing');
    assert.equal(status('2823-3', 'hemolyzed'), 'not-judged:value-not-numeric');
  });
});
