// The Charlson index (Quan 2005 ICD-10 codes, Charlson 1987 weights) for each condition group and
// its hierarchy rules, and the LACE index (van Walraven 2010) at every component and band boundary.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { charlsonIndex, charlsonScore } from '../../src/clinical/risk/charlson.ts';
import { edVisitsBefore, type LaceInputs, laceScore, type PastEncounter } from '../../src/clinical/risk/lace.ts';
import { loadCharlsonTable, loadLaceTable, parseCharlsonTable } from '../../src/clinical/risk/tables.ts';

const charlson = loadCharlsonTable();
const lace = loadLaceTable();

/** A copy without the given fields (a reading or input left out). */
function without<T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> {
  const copy = { ...value };
  for (const k of keys) delete copy[k];
  return copy;
}

describe('Charlson condition groups (one ICD-10-CM code each)', () => {
  const cases: [string, string, number][] = [
    ['I21.4', 'myocardial-infarction', 1],
    ['I25.2', 'myocardial-infarction', 1],
    ['I50.22', 'congestive-heart-failure', 1],
    ['I42.9', 'congestive-heart-failure', 1],
    ['I70.0', 'peripheral-vascular-disease', 1],
    ['I63.9', 'cerebrovascular-disease', 1],
    ['I69.354', 'cerebrovascular-disease', 1],
    ['G45.9', 'cerebrovascular-disease', 1],
    ['F03.90', 'dementia', 1],
    ['G30.9', 'dementia', 1],
    ['J44.9', 'chronic-pulmonary-disease', 1],
    ['J45.901', 'chronic-pulmonary-disease', 1],
    ['M05.79', 'rheumatic-disease', 1],
    ['M32.9', 'rheumatic-disease', 1],
    ['K25.9', 'peptic-ulcer-disease', 1],
    ['K70.30', 'mild-liver-disease', 1],
    ['B18.2', 'mild-liver-disease', 1],
    ['E11.9', 'diabetes-uncomplicated', 1],
    ['E11.65', 'diabetes-uncomplicated', 1],
    ['E10.10', 'diabetes-uncomplicated', 1],
    ['E11.22', 'diabetes-complicated', 2],
    ['E10.40', 'diabetes-complicated', 2],
    ['G81.90', 'hemiplegia-paraplegia', 2],
    ['N18.4', 'renal-disease', 2],
    ['Z99.2', 'renal-disease', 2],
    ['C34.90', 'malignancy', 2],
    ['C43.9', 'malignancy', 2],
    ['C91.00', 'malignancy', 2],
    ['K72.10', 'moderate-severe-liver-disease', 3],
    ['I85.00', 'moderate-severe-liver-disease', 3],
    ['C78.00', 'metastatic-solid-tumour', 6],
    ['C79.51', 'metastatic-solid-tumour', 6],
    ['B20', 'aids-hiv', 6],
  ];
  for (const [code, condition, weight] of cases) {
    it(`${code} is ${condition} (${weight})`, () => {
      const r = charlsonIndex([code], charlson);
      assert.deepEqual(r.conditions.map((c) => c.id), [condition]);
      assert.equal(r.index, weight);
    });
  }

  it('every condition group of the table is covered above', () => {
    const covered = new Set(cases.map(([, c]) => c));
    assert.deepEqual(charlson.conditions.map((c) => c.id).filter((id) => !covered.has(id)), []);
    assert.equal(charlson.conditions.length, 17);
  });

  const none = ['C44.91', 'I12.9', 'F05', 'I10', 'E87.1', 'N17.9', 'I59', 'F04', 'J96.12', 'Z94.1'];
  for (const code of none) {
    it(`${code} is no Charlson condition`, () => assert.equal(charlsonIndex([code], charlson).index, 0));
  }

  it('I13.0 (hypertensive heart and kidney disease with heart failure) is heart failure; I13.1 renal', () => {
    assert.deepEqual(charlsonIndex(['I13.0'], charlson).conditions.map((c) => c.id), ['congestive-heart-failure']);
    assert.deepEqual(charlsonIndex(['I13.10'], charlson).conditions.map((c) => c.id), ['renal-disease']);
  });
});

describe('Charlson hierarchy and totals', () => {
  it('diabetes with complications supersedes uncomplicated diabetes', () => {
    const r = charlsonIndex(['E11.9', 'E11.22'], charlson);
    assert.equal(r.index, 2);
    assert.deepEqual(r.superseded, [{ id: 'diabetes-uncomplicated', by: 'diabetes-complicated' }]);
  });

  it('metastatic solid tumour supersedes malignancy', () => {
    const r = charlsonIndex(['C34.90', 'C79.51'], charlson);
    assert.equal(r.index, 6);
    assert.deepEqual(r.conditions.map((c) => c.id), ['metastatic-solid-tumour']);
  });

  it('severe liver disease supersedes mild', () => {
    const r = charlsonIndex(['K70.30', 'I85.00'], charlson);
    assert.equal(r.index, 3);
  });

  it('a condition counts once however many of its codes are on file', () => {
    const r = charlsonIndex(['I50.22', 'I50.33', 'I11.0'], charlson);
    assert.equal(r.index, 1);
    assert.deepEqual(r.conditions[0]?.codes, ['I50.22', 'I50.33', 'I11.0']);
  });

  it('all 17 groups together: 33 by weight, 29 after the three hierarchy rules', () => {
    const all = ['I21.4', 'I50.22', 'I70.0', 'I63.9', 'F03.90', 'J44.9', 'M05.79', 'K25.9', 'K70.30', 'E11.9', 'E11.22', 'G81.90', 'N18.4', 'C34.90', 'K72.10', 'C78.00', 'B20'];
    assert.equal(charlsonIndex(all, charlson).index, 29);
    const s = charlsonScore(all, charlson);
    assert.equal(s.score, 29);
    assert.equal(s.band, '5+');
    assert.equal(s.components.filter((c) => c.points === 0).length, 3, 'superseded conditions are shown with 0 points');
  });

  it('bands follow the Charlson 1987 strata', () => {
    assert.equal(charlsonScore([], charlson).band, '0');
    assert.equal(charlsonScore(['I21.4', 'J44.9'], charlson).band, '1-2');
    assert.equal(charlsonScore(['N18.4', 'C34.90'], charlson).band, '3-4');
    assert.equal(charlsonScore(['B20'], charlson).band, '5+');
    assert.match(charlsonScore([], charlson).explanation, /no ICD-10 diagnoses on file/);
  });

  it('the table refuses a malformed range, naming the field', () => {
    assert.throws(
      () => parseCharlsonTable({ name: 'x', version: '1', sources: [{ id: 's', citation: 'c' }], conditions: [{ id: 'a', name: 'A', weight: 1, icd10: ['I60-I6'] }], hierarchy: [] }),
      /conditions\[0\]\.icd10\[0\]/,
    );
  });
});

const ADMIT = '2026-11-01T12:00:00.000Z';
const plusDays = (days: number, hours = 0): string => new Date(Date.parse(ADMIT) + days * 86_400_000 + hours * 3_600_000).toISOString();

function inputs(more: Partial<LaceInputs> = {}): LaceInputs {
  return { encounterId: 'E-now', admitTime: ADMIT, dischargeTime: plusDays(0, 12), admissionType: 'C', icd10Codes: [], encounters: [], ...more };
}
const pointsOf = (i: LaceInputs, id: string): number | null | undefined => laceScore(i, lace, charlson).components.find((c) => c.id === id)?.points;
const edVisit = (n: number, daysBefore: number): PastEncounter => ({ encounterId: `ED-${n}`, class: 'emergency', admitTime: plusDays(-daysBefore), dischargeTime: plusDays(-daysBefore, 3) });

describe('LACE components at every boundary (van Walraven 2010)', () => {
  const stays: [number, number, number][] = [[0, 23, 0], [1, 0, 1], [2, 0, 2], [3, 0, 3], [3, 23, 3], [4, 0, 4], [6, 23, 4], [7, 0, 5], [13, 23, 5], [14, 0, 7], [40, 0, 7]];
  for (const [days, hours, points] of stays) {
    it(`length of stay ${days} d ${hours} h scores ${points}`, () => assert.equal(pointsOf(inputs({ dischargeTime: plusDays(days, hours) }), 'length_of_stay'), points));
  }

  it('acuity: emergency, urgent and accident admissions score 3; elective 0', () => {
    for (const t of ['E', 'U', 'A']) assert.equal(pointsOf(inputs({ admissionType: t }), 'acuity'), 3, t);
    for (const t of ['C', 'R']) assert.equal(pointsOf(inputs({ admissionType: t }), 'acuity'), 0, t);
  });

  it('acuity: admitted from an ED visit that ended as the admission started is emergent', () => {
    const handover: PastEncounter = { encounterId: 'ED-1', class: 'emergency', admitTime: plusDays(0, -5), dischargeTime: ADMIT };
    const rest = without(inputs({ encounters: [handover] }), 'admissionType');
    assert.equal(pointsOf(rest, 'acuity'), 3);
    assert.deepEqual(edVisitsBefore(rest, lace), { count: 0, admittedFromEd: true }, 'that visit is not a prior ED visit');
  });

  it('acuity: no admission type and no ED visit is missing, not guessed', () => {
    const rest = without(inputs(), 'admissionType');
    const s = laceScore(rest, lace, charlson);
    assert.deepEqual(s.missing, ['acuity']);
    assert.equal(s.band, null);
    assert.equal(s.band_at_least, 'low');
  });

  const charlsonCases: [string[], number, number][] = [
    [[], 0, 0],
    [['I21.4'], 1, 1],
    [['I21.4', 'I50.22'], 2, 2],
    [['I21.4', 'I50.22', 'J44.9'], 3, 3],
    [['I21.4', 'I50.22', 'N18.4'], 4, 5],
    [['C78.00'], 6, 5],
  ];
  for (const [codes, index, points] of charlsonCases) {
    it(`Charlson ${index} scores ${points}`, () => {
      const c = laceScore(inputs({ icd10Codes: codes }), lace, charlson).components.find((x) => x.id === 'charlson');
      assert.equal(c?.value, index);
      assert.equal(c?.points, points);
    });
  }

  const visits: [number, number][] = [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4], [6, 4]];
  for (const [count, points] of visits) {
    it(`${count} ED visits in the previous 6 months score ${points}`, () => {
      const encounters = Array.from({ length: count }, (_, i) => edVisit(i, 10 + i * 20));
      assert.equal(pointsOf(inputs({ encounters }), 'ed_visits'), points);
    });
  }

  it('ED visits count only in the 6 months before the admission, and only ED encounters', () => {
    const encounters: PastEncounter[] = [
      edVisit(1, 170),
      edVisit(2, 190),
      { encounterId: 'IP-1', class: 'inpatient', admitTime: plusDays(-30), dischargeTime: plusDays(-25) },
      { encounterId: 'ED-later', class: 'emergency', admitTime: plusDays(2), dischargeTime: plusDays(2, 3) },
      { encounterId: 'E-now', class: 'emergency', admitTime: ADMIT },
    ];
    assert.deepEqual(edVisitsBefore(inputs({ encounters }), lace), { count: 1, admittedFromEd: false });
  });
});

describe('LACE bands at every boundary', () => {
  // L + A + C + E: stays, acuity and ED visits combined to reach each total.
  const cases: [string, Partial<LaceInputs>, number, string][] = [
    ['0', {}, 0, 'low'],
    ['4', { dischargeTime: plusDays(4) }, 4, 'low'],
    ['5', { dischargeTime: plusDays(2), admissionType: 'E' }, 5, 'moderate'],
    ['9', { dischargeTime: plusDays(4), admissionType: 'E', encounters: [edVisit(1, 30), edVisit(2, 60)] }, 9, 'moderate'],
    ['10', { dischargeTime: plusDays(7), admissionType: 'E', encounters: [edVisit(1, 30), edVisit(2, 60)] }, 10, 'high'],
    ['19', { dischargeTime: plusDays(20), admissionType: 'E', icd10Codes: ['C78.00'], encounters: [0, 1, 2, 3].map((i) => edVisit(i, 10 + i * 20)) }, 19, 'high'],
  ];
  for (const [name, change, score, band] of cases) {
    it(`${name}: ${band}`, () => {
      const s = laceScore(inputs(change), lace, charlson);
      assert.equal(s.score, score);
      assert.equal(s.band, band);
      assert.equal(s.complete, true);
    });
  }

  it('an unknown admission time leaves L missing and says so', () => {
    const rest = without(inputs(), 'admitTime');
    const s = laceScore(rest, lace, charlson);
    assert.deepEqual(s.missing, ['length_of_stay']);
    assert.match(s.explanation, /Missing: length_of_stay/);
  });
});
