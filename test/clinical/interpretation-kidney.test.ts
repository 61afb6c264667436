// Acute kidney injury by the KDIGO 2012 creatinine criteria: the exact boundaries of the 48 h rise,
// the 7-day baseline ratio, the stages, and results in umol/L.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertUnits } from '../../src/clinical/critical/units.ts';
import type { AkiFacts } from '../../src/clinical/interpretation/facts.ts';
import { earlier, interpret, obs, only, past, patient, rules, T0 } from './interpretation-fixtures.ts';

const creat = (value: number, more = {}) => obs('2160-0', value, 'mg/dL', more);
const creatUmol = (value: number) => obs('14682-9', value, 'umol/L');

function aki(current: number, history: { value: number; hours: number; code?: string; units?: string; status?: string }[], currentObs = creat(current)) {
  const observations = history.map((h) => earlier(h.code ?? '2160-0', h.value, h.units ?? 'mg/dL', h.hours, h.status ? { status: h.status } : {}));
  const finding = only(interpret([currentObs], patient({ observations })), 'aki-kdigo');
  return finding ? { finding, facts: finding.facts as AkiFacts } : undefined;
}

describe('interpretation: AKI, rise within 48 h', () => {
  it('a rise of 0.29 mg/dL is not AKI, 0.30 mg/dL is (stage 1)', () => {
    assert.equal(aki(1.29, [{ value: 1.0, hours: 24 }]), undefined);
    const hit = aki(1.3, [{ value: 1.0, hours: 24 }]);
    assert.equal(hit?.facts.stage, 1);
    assert.deepEqual(hit?.facts.criteria, ['rise-48h']);
    assert.equal(hit?.facts.rise?.change, 0.3);
    assert.equal(hit?.finding.severity, 'attention');
  });

  it('the 48 h window includes its edge and nothing older', () => {
    assert.equal(aki(1.3, [{ value: 1.0, hours: 48 }])?.facts.stage, 1);
    assert.equal(aki(1.3, [{ value: 1.0, hours: 49 }]), undefined, 'outside 48 h and under 1.5 times baseline');
  });

  it('the rise is measured from the lowest value of the window', () => {
    const hit = aki(1.35, [
      { value: 1.2, hours: 6 },
      { value: 1.05, hours: 30 },
    ]);
    assert.equal(hit?.facts.rise?.from.value, 1.05);
    assert.equal(hit?.facts.rise?.change, 0.3);
  });

  it('a falling creatinine is not AKI', () => {
    assert.equal(aki(1.0, [{ value: 1.6, hours: 24 }]), undefined);
  });

  it('preliminary earlier results and the event itself seen in history are not a baseline', () => {
    assert.equal(aki(1.6, [{ value: 1.0, hours: 24, status: 'P' }]), undefined);
    const self = past(creat(1.0), 'evt-1', T0);
    assert.equal(only(interpret([creat(1.6)], patient({ observations: [self] })), 'aki-kdigo'), undefined);
  });
});

describe('interpretation: AKI, ratio to the 7-day baseline', () => {
  it('1.49 times the baseline is not AKI, 1.5 times is (stage 1)', () => {
    assert.equal(aki(1.49, [{ value: 1.0, hours: 96 }]), undefined);
    const hit = aki(1.5, [{ value: 1.0, hours: 96 }]);
    assert.equal(hit?.facts.stage, 1);
    assert.deepEqual(hit?.facts.criteria, ['ratio-baseline']);
    assert.equal(hit?.facts.ratio, 1.5);
  });

  it('1.5 times holds without floating-point noise (1.2 / 0.8)', () => {
    assert.equal(aki(1.2, [{ value: 0.8, hours: 96 }])?.facts.ratio, 1.5);
  });

  it('the baseline is the lowest value of the previous 7 days; older values do not count', () => {
    const hit = aki(1.6, [
      { value: 1.4, hours: 72 },
      { value: 1.0, hours: 120 },
      { value: 0.5, hours: 7 * 24 + 1 },
    ]);
    assert.equal(hit?.facts.baseline.value, 1.0);
    assert.equal(hit?.facts.ratio, 1.6);
    assert.equal(aki(2.0, [{ value: 1.0, hours: 7 * 24 + 1 }]), undefined);
    assert.equal(aki(1.5, [{ value: 1.0, hours: 7 * 24 }])?.facts.stage, 1, 'the 7-day edge is inside');
  });
});

describe('interpretation: AKI stages', () => {
  const cases: [number, number, 1 | 2 | 3][] = [
    [1.99, 1.0, 1],
    [2.0, 1.0, 2],
    [2.99, 1.0, 2],
    [3.0, 1.0, 3],
    [3.99, 2.5, 1],
    [4.0, 2.5, 3],
  ];
  for (const [current, baseline, stage] of cases) {
    it(`${current} mg/dL against a baseline of ${baseline} mg/dL is stage ${stage}`, () => {
      const hit = aki(current, [{ value: baseline, hours: 96 }]);
      assert.equal(hit?.facts.stage, stage);
      assert.equal(hit?.finding.severity, stage === 1 ? 'attention' : 'urgent');
    });
  }

  it('stage 3 by a value of 4.0 mg/dL or more is said so', () => {
    const hit = aki(4.0, [{ value: 2.5, hours: 96 }]);
    assert.equal(hit?.facts.stage3ByValue, true);
    assert.equal(aki(3.0, [{ value: 1.0, hours: 96 }])?.facts.stage3ByValue, false);
  });
});

describe('interpretation: AKI in umol/L', () => {
  it('converts with the KDIGO factor 88.4', () => {
    const creatinine = rules.analytes.get('creatinine');
    assert.ok(creatinine);
    assert.deepEqual(convertUnits(1, 'mg/dL', 'umol/L', creatinine), { ok: true, value: 88.4, units: 'umol/L' });
    assert.deepEqual(convertUnits(88.4, 'umol/L', 'mg/dL', creatinine), { ok: true, value: 1, units: 'mg/dL' });
  });

  it('a umol/L result meets the rise at 26.5 umol/L, as KDIGO prints it', () => {
    const h = (value: number) => [{ value, hours: 24, code: '14682-9', units: 'umol/L' }];
    assert.equal(aki(114.4, h(88), creatUmol(114.4)), undefined);
    const hit = aki(114.5, h(88), creatUmol(114.5));
    assert.equal(hit?.facts.stage, 1);
    assert.equal(hit?.facts.rise?.threshold, 26.5);
    assert.equal(hit?.facts.current.units, 'umol/L');
  });

  it('earlier results in mg/dL are converted to the current umol/L (and the record says so)', () => {
    const hit = aki(115, [{ value: 1.0, hours: 24 }], creatUmol(115));
    assert.equal(hit?.facts.baseline.value, 88.4);
    assert.equal(hit?.facts.rise?.change, 26.6);
    const baseline = hit?.finding.values.find((v) => v.role === 'baseline');
    assert.deepEqual({ value: baseline?.value, units: baseline?.units, converted: baseline?.converted }, { value: 1, units: 'mg/dL', converted: { value: 88.4, units: 'umol/L' } });
  });

  it('ratios are the same in either unit, and stage 3 by value is 353.6 umol/L', () => {
    assert.equal(aki(132.6, [{ value: 1.0, hours: 96 }], creatUmol(132.6))?.facts.ratio, 1.5);
    assert.equal(aki(353.5, [{ value: 2.5, hours: 96 }], creatUmol(353.5))?.facts.stage, 1);
    assert.equal(aki(353.6, [{ value: 2.5, hours: 96 }], creatUmol(353.6))?.facts.stage, 3);
  });
});
