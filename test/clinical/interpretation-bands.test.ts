// Hyponatraemia severity bands (Spasovski 2014) and HbA1c bands (ADA), at their edges.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BandFacts } from '../../src/clinical/interpretation/facts.ts';
import { SYSTEM } from '../../src/event/payloads.ts';
import { earlier, interpret, obs, only, patient } from './interpretation-fixtures.ts';

function band(ruleId: string, observation: ReturnType<typeof obs>, history = patient()) {
  const finding = only(interpret([observation], history), ruleId);
  return finding ? { finding, facts: finding.facts as BandFacts } : undefined;
}

describe('interpretation: hyponatraemia bands', () => {
  const cases: [number, string | undefined, string | undefined][] = [
    [135, undefined, undefined],
    [134.9, 'mild', 'info'],
    [134, 'mild', 'info'],
    [130, 'mild', 'info'],
    [129.9, 'moderate', 'attention'],
    [129, 'moderate', 'attention'],
    [125, 'moderate', 'attention'],
    [124.9, 'profound', 'urgent'],
    [118, 'profound', 'urgent'],
  ];
  for (const [value, expected, severity] of cases) {
    it(`sodium ${value} mmol/L: ${expected ?? 'no hyponatraemia'}`, () => {
      const hit = band('hyponatraemia', obs('2951-2', value, 'mmol/L'));
      assert.equal(hit?.facts.band, expected);
      assert.equal(hit?.finding.severity, severity);
    });
  }

  it('mEq/L is the same as mmol/L for sodium; whole-blood sodium counts too', () => {
    assert.equal(band('hyponatraemia', obs('2951-2', 124, 'mEq/L'))?.facts.band, 'profound');
    assert.equal(band('hyponatraemia', obs('2947-0', 128, 'mmol/L'))?.facts.band, 'moderate');
  });

  it('names a falling trend over the last results', () => {
    const history = patient({ observations: [earlier('2951-2', 134, 'mmol/L', 12), earlier('2951-2', 138, 'mmol/L', 36)] });
    const hit = band('hyponatraemia', obs('2951-2', 128, 'mmol/L', { referenceRange: { low: 136, high: 145 } }), history);
    assert.equal(hit?.facts.trend?.direction, 'falling');
    assert.equal(hit?.facts.trend?.points, 3);
    assert.equal(hit?.facts.trend?.first.value, 138);
  });
});

describe('interpretation: HbA1c bands', () => {
  const cases: [number, string | undefined][] = [
    [6.4, undefined],
    [6.5, 'diabetes-range'],
    [8.9, 'diabetes-range'],
    [9.0, 'poor-control'],
    [11.2, 'poor-control'],
  ];
  for (const [value, expected] of cases) {
    it(`HbA1c ${value} %: ${expected ?? 'not in the diabetes range'}`, () => {
      const hit = band('hba1c-ada', obs('4548-4', value, '%'));
      assert.equal(hit?.facts.band, expected);
      if (hit) assert.equal(hit.finding.severity, 'attention');
    });
  }

  it('a recorded diabetes diagnosis (ICD-10-CM E08-E13) changes the wording, not the band', () => {
    const dx = patient({ diagnoses: [{ code: { system: SYSTEM.icd10cm, code: 'E11.9' } }] });
    const known = band('hba1c-ada', obs('4548-4', 7.2, '%'), dx);
    const unknown = band('hba1c-ada', obs('4548-4', 7.2, '%'));
    assert.equal(known?.facts.knownDiabetes, true);
    assert.equal(unknown?.facts.knownDiabetes, false);
    assert.equal(known?.facts.band, unknown?.facts.band);
  });

  it('HbA1c in other units (IFCC mmol/mol) is not judged by the % bands', () => {
    assert.equal(band('hba1c-ada', obs('4548-4', 75, 'mmol/mol')), undefined);
  });
});
