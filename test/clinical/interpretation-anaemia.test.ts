// Anaemia by the WHO thresholds by sex, classed by MCV from the same report or the last 7 days.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnaemiaFacts } from '../../src/clinical/interpretation/facts.ts';
import type { PatientHistory } from '../../src/processors/history.ts';
import { earlier, interpret, obs, only, type Patient, patient } from './interpretation-fixtures.ts';

const hb = (value: number, units = 'g/dL') => obs('718-7', value, units);
const mcv = (value: number, more = {}) => obs('787-2', value, 'fL', more);

function anaemia(observations: ReturnType<typeof obs>[], p: Patient) {
  const findings = interpret(observations, patient(p));
  const finding = only(findings, 'anaemia-who');
  return finding ? { finding, facts: finding.facts as AnaemiaFacts, findings } : undefined;
}

describe('interpretation: anaemia thresholds by sex', () => {
  const cases: [PatientHistory['sex'], number, boolean][] = [
    ['male', 12.9, true],
    ['male', 13.0, false],
    ['female', 11.9, true],
    ['female', 12.0, false],
    ['female', 12.5, false],
    ['male', 12.5, true],
  ];
  for (const [sex, value, anaemic] of cases) {
    it(`${sex} hemoglobin ${value} g/dL is ${anaemic ? '' : 'not '}anaemia`, () => {
      assert.equal(anaemia([hb(value), mcv(90)], { sex, age: 40 }) !== undefined, anaemic);
    });
  }

  it('hemoglobin in g/L is converted', () => {
    const hit = anaemia([hb(119, 'g/L'), mcv(90)], { sex: 'female', age: 40 });
    assert.equal(hit?.facts.hemoglobin.value, 11.9);
    assert.deepEqual(hit?.finding.values[0]?.converted, { value: 11.9, units: 'g/dL' });
    assert.equal(anaemia([hb(120, 'g/L'), mcv(90)], { sex: 'female', age: 40 }), undefined);
  });

  it('no sex on record, or a child, is not judged by the adult thresholds', () => {
    assert.equal(anaemia([hb(9), mcv(70)], { age: 40 }), undefined);
    assert.equal(anaemia([hb(9), mcv(70)], { sex: 'unknown', age: 40 }), undefined);
    assert.equal(anaemia([hb(11), mcv(70)], { sex: 'female', age: 12 }), undefined);
    assert.ok(anaemia([hb(11), mcv(70)], { sex: 'female' }), 'age unknown: the adult thresholds apply');
  });

  it('WHO grades: moderate below 11, severe below 8 g/dL (urgent)', () => {
    assert.equal(anaemia([hb(11.0), mcv(90)], { sex: 'male' })?.facts.grade, 'mild');
    assert.equal(anaemia([hb(10.9), mcv(90)], { sex: 'male' })?.facts.grade, 'moderate');
    const severe = anaemia([hb(7.9), mcv(90)], { sex: 'male' });
    assert.equal(severe?.facts.grade, 'severe');
    assert.equal(severe?.finding.severity, 'urgent');
  });
});

describe('interpretation: anaemia by red cell size', () => {
  it('low MCV in the same report: microcytic (iron deficiency to consider)', () => {
    const hit = anaemia([hb(11.5), mcv(72)], { sex: 'female', age: 30 });
    assert.equal(hit?.facts.morphology, 'microcytic');
    assert.equal(hit?.facts.mcv?.sameEvent, true);
    assert.equal(hit?.finding.severity, 'attention');
    assert.deepEqual(hit?.finding.codes.map((c) => c.code), ['718-7', '787-2']);
  });

  it('high MCV in the same report: macrocytic', () => {
    const hit = anaemia([hb(12.1), mcv(108)], { sex: 'male', age: 70 });
    assert.equal(hit?.facts.morphology, 'macrocytic');
    assert.equal(hit?.facts.sex, 'male');
  });

  it('MCV edges: 79.9 microcytic, 80 and 100 normocytic, 100.1 macrocytic', () => {
    const size = (v: number) => anaemia([hb(10), mcv(v)], { sex: 'male' })?.facts.morphology;
    assert.equal(size(79.9), 'microcytic');
    assert.equal(size(80), 'normocytic');
    assert.equal(size(100), 'normocytic');
    assert.equal(size(100.1), 'macrocytic');
  });

  it('MCV from history within 7 days classifies it; older MCV does not', () => {
    const low = anaemia([hb(10.5)], { sex: 'female', observations: [earlier('787-2', 71, 'fL', 72)] });
    assert.equal(low?.facts.morphology, 'microcytic');
    assert.equal(low?.facts.mcv?.sameEvent, false);
    assert.deepEqual(low?.finding.values.map((v) => v.role), ['hemoglobin', 'mcv']);
    const high = anaemia([hb(12.4)], { sex: 'male', observations: [earlier('787-2', 104, 'fL', 150)] });
    assert.equal(high?.facts.morphology, 'macrocytic');
    const stale = anaemia([hb(10.5)], { sex: 'female', observations: [earlier('787-2', 71, 'fL', 7 * 24 + 1)] });
    assert.equal(stale?.facts.morphology, 'unclassified');
  });

  it('the same report\'s MCV wins over history, and its own low-range finding is folded in', () => {
    const hit = anaemia([hb(10.5), mcv(70, { referenceRange: { low: 80, high: 100 }, abnormalFlags: ['L'] })], {
      sex: 'female',
      observations: [earlier('787-2', 95, 'fL', 24)],
    });
    assert.equal(hit?.facts.mcv?.value, 70);
    assert.equal(hit?.findings.length, 1, 'no separate reference-range finding for the MCV');
  });
});
