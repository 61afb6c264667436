// Single results against their reference range and trend, the hyperkalaemia-with-rising-creatinine
// site rule, and what a normal report gives: nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HyperkalaemiaFacts, RangeFacts, TrendOnlyFacts } from '../../src/clinical/interpretation/facts.ts';
import { judgeRange } from '../../src/clinical/interpretation/reference-range.ts';
import { SYSTEM } from '../../src/event/payloads.ts';
import { earlier, interpret, obs, only, patient } from './interpretation-fixtures.ts';

const range = (low: number, high: number) => ({ referenceRange: { low, high, text: `${low}-${high}` } });

describe('interpretation: reference range', () => {
  it('a normal panel gives no finding', () => {
    const panel = [
      obs('2951-2', 140, 'mmol/L', range(136, 145)),
      obs('2823-3', 4.2, 'mmol/L', range(3.5, 5.0)),
      obs('2160-0', 0.9, 'mg/dL', range(0.7, 1.3)),
      obs('718-7', 14.2, 'g/dL', range(13.5, 17.5)),
      obs('787-2', 90, 'fL', range(80, 100)),
      obs('4548-4', 5.4, '%', { referenceRange: { high: 5.7, text: '<5.7' } }),
      obs('1742-6', 22, 'U/L', range(10, 40)),
    ];
    const history = patient({ sex: 'male', age: 50, observations: [earlier('2160-0', 0.95, 'mg/dL', 24, range(0.7, 1.3)), earlier('1742-6', 21, 'U/L', 24, range(10, 40))] });
    assert.deepEqual(interpret(panel, history), []);
  });

  it('above the range is a finding; a critical flag raises its severity', () => {
    const [high] = interpret([obs('2823-3', 5.3, 'mmol/L', range(3.5, 5.0))]);
    assert.equal(high?.rule.id, 'reference-range');
    assert.equal(high?.severity, 'info');
    assert.deepEqual({ ...(high?.facts as RangeFacts), test: undefined }, {
      kind: 'range', test: undefined, status: 'high', basis: 'range', value: 5.3, units: 'mmol/L', range: { low: 3.5, high: 5.0, text: '3.5-5' }, critical: false,
    });
    const [critical] = interpret([obs('2345-7', 500, 'mg/dL', { ...range(70, 99), abnormalFlags: ['HH'] })]);
    assert.equal(critical?.severity, 'attention');
    assert.equal((critical?.facts as RangeFacts).flag, 'HH');
  });

  it('the flag speaks when there is no range; text results by their flag', () => {
    assert.equal(judgeRange(obs('1742-6', 80, 'U/L', { abnormalFlags: ['H'] })).basis, 'flag');
    const [text] = interpret([obs('630-4', 'Positive', undefined, { abnormalFlags: ['A'] })]);
    assert.equal((text?.facts as RangeFacts).status, 'abnormal');
  });

  it('range edges: an interval includes its ends; "<5.7" makes 5.7 itself high', () => {
    assert.equal(judgeRange(obs('2823-3', 5.0, 'mmol/L', range(3.5, 5.0))).status, 'normal');
    assert.equal(judgeRange(obs('2823-3', 3.5, 'mmol/L', range(3.5, 5.0))).status, 'normal');
    assert.equal(judgeRange(obs('2823-3', 3.4, 'mmol/L', range(3.5, 5.0))).status, 'low');
    const a1c = (v: number, text: string) => judgeRange(obs('4548-4', v, '%', { referenceRange: { high: 5.7, text } })).status;
    assert.equal(a1c(5.7, '<5.7'), 'high');
    assert.equal(a1c(5.6, '<5.7'), 'normal');
    assert.equal(a1c(5.7, '<=5.7'), 'normal');
  });

  it('bounds prove a side only when beyond it', () => {
    assert.equal(judgeRange(obs('2345-7', '>600', 'mg/dL', range(70, 99))).status, 'high');
    assert.equal(judgeRange(obs('2345-7', '>80', 'mg/dL', range(70, 99))).status, 'unknown');
    assert.equal(judgeRange(obs('2345-7', '<40', 'mg/dL', range(70, 99))).status, 'low');
  });

  it('preliminary results are interpreted, cancelled ones are not', () => {
    assert.equal(interpret([obs('2823-3', 5.3, 'mmol/L', { ...range(3.5, 5.0), status: 'P' })]).length, 1);
    assert.equal(interpret([obs('2823-3', 5.3, 'mmol/L', { ...range(3.5, 5.0), status: 'X' })]).length, 0);
  });
});

describe('interpretation: trend', () => {
  const alt = (v: number) => obs('1742-6', v, 'U/L', range(10, 40));
  const altBefore = (v: number, hours: number) => earlier('1742-6', v, 'U/L', hours, range(10, 40));

  it('in range and rising one way over the last 3 results by a quarter of the interval: a trend finding', () => {
    const [f] = interpret([alt(32)], patient({ observations: [altBefore(26, 24), altBefore(20, 48)] }));
    assert.equal(f?.rule.id, 'trend');
    const t = f?.facts as TrendOnlyFacts;
    assert.deepEqual({ direction: t.trend.direction, points: t.trend.points, change: t.trend.change, tolerance: t.trend.tolerance }, { direction: 'rising', points: 3, change: 12, tolerance: 7.5 });
    assert.deepEqual(f?.values.map((v) => [v.role, v.value]), [['current', 32], ['earlier', 26], ['earlier', 20]]);
  });

  it('stable, back-and-forth, or only two results: no trend finding', () => {
    assert.deepEqual(interpret([alt(24)], patient({ observations: [altBefore(22, 24), altBefore(20, 48)] })), [], 'stable: change 4 < 7.5');
    assert.deepEqual(interpret([alt(30)], patient({ observations: [altBefore(35, 24), altBefore(20, 48)] })), [], 'variable');
    assert.deepEqual(interpret([alt(32)], patient({ observations: [altBefore(20, 48)] })), [], 'two results');
  });

  it('out of range, the trend rides on the range finding', () => {
    const [f] = interpret([alt(52)], patient({ observations: [altBefore(44, 24), altBefore(35, 48)] }));
    assert.equal(f?.rule.id, 'reference-range');
    assert.equal((f?.facts as RangeFacts).trend?.direction, 'rising');
  });
});

describe('interpretation: hyperkalaemia with a rising creatinine (site rule)', () => {
  const creat = (v: number, hours: number) => earlier('2160-0', v, 'mg/dL', hours, range(0.6, 1.2));

  it('potassium 5.5 or more with creatinine rising: one finding that explains the potassium', () => {
    const findings = interpret([obs('2823-3', 5.6, 'mmol/L', range(3.5, 5.0))], patient({ observations: [creat(1.1, 10), creat(0.9, 40)] }));
    const f = only(findings, 'hyperkalaemia-rising-creatinine');
    const facts = f?.facts as HyperkalaemiaFacts;
    assert.equal(facts.band, 'mild');
    assert.equal(f?.severity, 'attention');
    assert.equal(facts.creatinine.direction, 'rising');
    assert.equal(facts.aki, false);
    assert.equal(findings.length, 1, 'no separate range finding for the potassium');
  });

  it('5.4 is not hyperkalaemia; 6.0 is moderate (urgent)', () => {
    const history = patient({ observations: [creat(1.1, 10), creat(0.9, 40)] });
    assert.equal(only(interpret([obs('2823-3', 5.4, 'mmol/L')], history), 'hyperkalaemia-rising-creatinine'), undefined);
    const f = only(interpret([obs('2823-3', 6.0, 'mmol/L')], history), 'hyperkalaemia-rising-creatinine');
    assert.equal((f?.facts as HyperkalaemiaFacts).band, 'moderate');
    assert.equal(f?.severity, 'urgent');
  });

  it('a stable creatinine, or none recent, leaves the potassium to its range', () => {
    const stable = interpret([obs('2823-3', 5.6, 'mmol/L', range(3.5, 5.0))], patient({ observations: [creat(1.0, 10), creat(0.98, 40)] }));
    assert.deepEqual(stable.map((f) => f.rule.id), ['reference-range']);
    const old = interpret([obs('2823-3', 5.6, 'mmol/L')], patient({ observations: [creat(1.1, 50), creat(0.9, 80)] }));
    assert.equal(only(old, 'hyperkalaemia-rising-creatinine'), undefined);
  });

  it('a creatinine result meeting AKI, with a recent high potassium, names both', () => {
    const findings = interpret([obs('2160-0', 1.5, 'mg/dL')], patient({ observations: [earlier('2823-3', 5.9, 'mmol/L', 6), creat(1.0, 24)] }));
    assert.deepEqual(findings.map((f) => f.rule.id).sort(), ['aki-kdigo', 'hyperkalaemia-rising-creatinine']);
    assert.equal((only(findings, 'hyperkalaemia-rising-creatinine')?.facts as HyperkalaemiaFacts).aki, true);
  });

  it('findings come most severe first', () => {
    const findings = interpret(
      [obs('2823-3', 5.3, 'mmol/L', range(3.5, 5.0)), obs('2951-2', 122, 'mmol/L')],
      patient({ diagnoses: [{ code: { system: SYSTEM.icd10cm, code: 'N17.9' } }] }),
    );
    assert.deepEqual(findings.map((f) => f.severity), ['urgent', 'info']);
  });
});
