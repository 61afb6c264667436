// The care-gap rules, pure: each opens and closes at its exact boundary (12 months, 9.0 vs 9.1 %,
// 7 days, 30 days), and the data file loads with every rule cited.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addMonths, type CareGapFacts, evaluateCareGaps, type GapFinding } from '../../src/clinical/care-gaps/evaluate.ts';
import { CareGapRulesError, loadCareGapRules, readCareGapRules, RULE_IDS } from '../../src/clinical/care-gaps/rules.ts';
import { SYSTEM } from '../../src/event/payloads.ts';

const rules = loadCareGapRules();
const MS = 1;
const DAY = 86_400_000;
const at = (iso: string, deltaMs = 0) => new Date(Date.parse(iso) + deltaMs).toISOString();

const facts = (f: Partial<CareGapFacts> = {}): CareGapFacts => ({ diagnoses: [], hba1c: [], encounters: [], orders: [], ...f });
const dx = (code: string, recordedAt: string, system: string = SYSTEM.icd10cm) => ({ system, code, recordedAt });
const a1c = (value: number | string | null, when: string, units = '%', status = 'F') => ({ eventId: `a1c-${when}`, at: when, value, units, status });
const finding = (f: CareGapFacts, when: string, ruleId: string): GapFinding | undefined => evaluateCareGaps(rules, f, when).findings.find((x) => x.ruleId === ruleId);

describe('care-gap rules: the data file', () => {
  it('loads the four rules, each with a version and cited sources', () => {
    assert.deepEqual(Object.keys(rules.rules).sort(), [...RULE_IDS].sort());
    for (const id of RULE_IDS) {
      assert.ok(rules.rules[id].version >= 1, id);
      for (const s of rules.rules[id].sources) assert.ok(rules.sources.some((x) => x.id === s && x.citation.length > 20), `${id} cites ${s}`);
    }
    assert.match(rules.sources.find((s) => s.id === 'ncqa-hedis-gsd')?.note ?? '', /HEDIS convention/);
  });

  it('names every bad field of a broken file', () => {
    assert.throws(
      () => readCareGapRules({ name: 'x', revision: 1, sources: [], codes: {}, rules: { 'no-such-rule': {} } }, 'site.json'),
      (err: unknown) => {
        assert.ok(err instanceof CareGapRulesError);
        assert.ok(err.problems.includes('rules.no-such-rule is not a rule vigil knows (diabetes-hba1c-testing, diabetes-hba1c-poor-control, discharge-follow-up-7d, discharge-medication-reconciliation-30d)'));
        assert.ok(err.problems.includes('codes.diabetes.system must be a non-empty string'));
        assert.ok(err.problems.includes('rules.discharge-follow-up-7d.within_days must be a positive number'));
        return true;
      },
    );
  });
});

describe('care-gap rules: calendar months', () => {
  it('adds months in UTC, falling back to the last day of a shorter month', () => {
    assert.equal(addMonths('2025-03-15T10:00:00.000Z', 12), '2026-03-15T10:00:00.000Z');
    assert.equal(addMonths('2026-01-31T08:00:00.000Z', 1), '2026-02-28T08:00:00.000Z');
    assert.equal(addMonths('2024-02-29T00:00:00.000Z', 12), '2025-02-28T00:00:00.000Z');
    assert.equal(addMonths('2026-11-30T23:59:59.999Z', 3), '2027-02-28T23:59:59.999Z');
  });
});

describe('care-gap rules: diabetes without an HbA1c in the last 12 months', () => {
  const tA = '2025-03-15T10:00:00.000Z';
  const diabetic = facts({ diagnoses: [dx('E11.9', '2024-01-10T00:00:00.000Z')], hba1c: [a1c(7.1, tA)] });

  it('stays closed until the last test is exactly 12 months old, then opens', () => {
    const before = finding(diabetic, at('2026-03-15T10:00:00.000Z', -MS), 'diabetes-hba1c-testing');
    assert.equal(before?.status, 'closed');
    assert.equal(before?.dueAt, '2026-03-15T10:00:00.000Z');
    assert.equal(evaluateCareGaps(rules, diabetic, at('2026-03-15T10:00:00.000Z', -MS)).wakeAt, '2026-03-15T10:00:00.000Z', 'the sweeper wakes the patient when it opens');
    const open = finding(diabetic, '2026-03-15T10:00:00.000Z', 'diabetes-hba1c-testing');
    assert.equal(open?.status, 'open');
    assert.match(open?.explanation ?? '', /no HbA1c in the last 12 months \(last on 2025-03-15\)/);
  });

  it('opens at the diagnosis when there was never a test, and only for E10/E11 codes of ICD-10-CM', () => {
    const never = facts({ diagnoses: [dx('E10.65', '2026-05-01T00:00:00.000Z')] });
    assert.equal(finding(never, '2026-05-01T00:00:00.000Z', 'diabetes-hba1c-testing')?.status, 'open');
    assert.equal(finding(never, at('2026-05-01T00:00:00.000Z', -MS), 'diabetes-hba1c-testing'), undefined, 'not diabetic before the diagnosis');
    assert.equal(finding(facts({ diagnoses: [dx('E119', '2026-05-01T00:00:00.000Z')] }), '2026-05-02T00:00:00.000Z', 'diabetes-hba1c-testing')?.status, 'open');
    assert.deepEqual(evaluateCareGaps(rules, facts({ diagnoses: [dx('E13.9', '2026-05-01T00:00:00.000Z')] }), '2026-06-01T00:00:00.000Z').findings, []);
    assert.deepEqual(evaluateCareGaps(rules, facts({ diagnoses: [dx('E11.9', '2026-05-01T00:00:00.000Z', SYSTEM.snomed)] }), '2026-06-01T00:00:00.000Z').findings, []);
  });

  it('a test after T, or a cancelled one, does not count', () => {
    const f = facts({ diagnoses: [dx('E11.9', '2026-01-01T00:00:00.000Z')], hba1c: [a1c(7, '2026-02-01T00:00:00.000Z', '%', 'X'), a1c(7, '2026-03-01T00:00:00.000Z')] });
    assert.equal(finding(f, '2026-02-15T00:00:00.000Z', 'diabetes-hba1c-testing')?.status, 'open');
    assert.equal(finding(f, '2026-03-01T00:00:00.000Z', 'diabetes-hba1c-testing')?.status, 'closed');
  });
});

describe('care-gap rules: last HbA1c above 9.0 % (HEDIS poor control)', () => {
  const tA = '2026-04-10T09:00:00.000Z';
  const withA1c = (value: number, units = '%') => facts({ diagnoses: [dx('E11.65', '2025-01-01T00:00:00.000Z')], hba1c: [a1c(value, tA, units)] });

  it('9.0 % is not poor control, 9.1 % is', () => {
    assert.equal(finding(withA1c(9.0), tA, 'diabetes-hba1c-poor-control')?.status, 'closed');
    const poor = finding(withA1c(9.1), tA, 'diabetes-hba1c-poor-control');
    assert.equal(poor?.status, 'open');
    assert.match(poor?.explanation ?? '', /9\.1 % on 2026-04-10 is above 9 % \(poor control, HEDIS convention\)/);
  });

  it('is overdue when no repeat came 3 months after the poor result, and closes on a repeat at or below 9.0 %', () => {
    assert.equal(finding(withA1c(9.1), at('2026-07-10T09:00:00.000Z', -MS), 'diabetes-hba1c-poor-control')?.status, 'open');
    assert.equal(evaluateCareGaps(rules, withA1c(9.1), tA).wakeAt, '2026-07-10T09:00:00.000Z');
    assert.equal(finding(withA1c(9.1), '2026-07-10T09:00:00.000Z', 'diabetes-hba1c-poor-control')?.status, 'overdue');
    const repeat = facts({ diagnoses: [dx('E11.65', '2025-01-01T00:00:00.000Z')], hba1c: [a1c(9.1, tA), a1c(9.0, '2026-06-01T00:00:00.000Z')] });
    assert.equal(finding(repeat, '2026-06-01T00:00:00.000Z', 'diabetes-hba1c-poor-control')?.status, 'closed');
  });

  it('judges only results in %, the units of the cut-off', () => {
    assert.equal(finding(withA1c(80, 'mmol/mol'), tA, 'diabetes-hba1c-poor-control'), undefined);
    assert.equal(finding(withA1c(80, 'mmol/mol'), tA, 'diabetes-hba1c-testing')?.status, 'closed', 'it still counts as a test');
  });
});

describe('care-gap rules: transitional care after a discharge', () => {
  const tD = '2026-06-01T12:00:00.000Z';
  const stay = { encounterId: 'E-stay', class: 'inpatient', admitTime: '2026-05-28T08:00:00.000Z', dischargeTime: tD };
  const visit = (when: string, cls = 'outpatient') => ({ encounterId: `E-${when}`, class: cls, admitTime: when });
  const order = (when: string, code = '1111F', system: string = SYSTEM.cpt) => ({ system, code, at: when });
  const F = 'discharge-follow-up-7d';
  const R = 'discharge-medication-reconciliation-30d';

  it('opens both gaps at the discharge, due in 7 and 30 days, and wakes at the first', () => {
    const e = evaluateCareGaps(rules, facts({ encounters: [stay] }), tD);
    assert.deepEqual(e.findings.map((f) => [f.key, f.status, f.dueAt]), [
      [`${F}:E-stay`, 'open', '2026-06-08T12:00:00.000Z'],
      [`${R}:E-stay`, 'open', '2026-07-01T12:00:00.000Z'],
    ]);
    assert.equal(e.wakeAt, '2026-06-08T12:00:00.000Z');
    assert.deepEqual(e.wakeRules, [F]);
    assert.deepEqual(evaluateCareGaps(rules, facts({ encounters: [{ ...stay, class: 'emergency' }] }), tD).findings, [], 'an ED visit is no qualifying stay');
  });

  it('a contact exactly 7 days after the discharge meets the follow-up; 1 ms later it is late', () => {
    const due = at(tD, 7 * DAY);
    assert.equal(finding(facts({ encounters: [stay, visit(due)] }), due, F)?.status, 'closed');
    assert.equal(finding(facts({ encounters: [stay, visit(due)] }), due, F)?.reason, 'met');
    const late = facts({ encounters: [stay, visit(at(due, MS))] });
    assert.equal(finding(late, at(due, -MS), F)?.status, 'open');
    assert.equal(finding(late, due, F)?.status, 'overdue');
    assert.deepEqual([finding(late, at(due, MS), F)?.status, finding(late, at(due, MS), F)?.reason], ['closed', 'met-late']);
  });

  it('only an outpatient contact after the discharge counts; a readmission closes the gap', () => {
    assert.equal(finding(facts({ encounters: [stay, visit(tD)] }), at(tD, DAY), F)?.status, 'open', 'not at the discharge instant itself');
    assert.equal(finding(facts({ encounters: [stay, visit(at(tD, DAY), 'emergency')] }), at(tD, 2 * DAY), F)?.status, 'open');
    const back = finding(facts({ encounters: [stay, visit(at(tD, 2 * DAY), 'inpatient')] }), at(tD, 2 * DAY), F);
    assert.deepEqual([back?.status, back?.reason], ['closed', 'readmitted']);
  });

  it('a reconciliation within 30 days (the day of discharge included) meets it; 1 ms after 30 days it is late', () => {
    const due = at(tD, 30 * DAY);
    assert.equal(finding(facts({ encounters: [stay], orders: [order(due)] }), due, R)?.reason, 'met');
    assert.equal(finding(facts({ encounters: [stay], orders: [order(tD)] }), tD, R)?.reason, 'met');
    assert.equal(finding(facts({ encounters: [stay], orders: [order(at(tD, -MS))] }), at(tD, DAY), R)?.status, 'open', 'before the discharge is not after it');
    const late = facts({ encounters: [stay], orders: [order(at(due, MS))] });
    assert.equal(finding(late, due, R)?.status, 'overdue');
    assert.equal(finding(late, at(due, MS), R)?.reason, 'met-late');
    for (const [system, code] of [[SYSTEM.cpt, '99495'], [SYSTEM.cpt, '99496'], [SYSTEM.snomed, '430193006']] as const) {
      assert.equal(finding(facts({ encounters: [stay], orders: [order(at(tD, DAY), code, system)] }), at(tD, DAY), R)?.reason, 'met', code);
    }
    assert.equal(finding(facts({ encounters: [stay], orders: [order(at(tD, DAY), '85025')] }), at(tD, DAY), R)?.status, 'open', 'any other order does not');
  });

  it('a later discharge replaces the earlier one', () => {
    const second = { encounterId: 'E-2', class: 'inpatient', admitTime: '2026-06-03T00:00:00.000Z', dischargeTime: '2026-06-05T00:00:00.000Z' };
    const keys = evaluateCareGaps(rules, facts({ encounters: [stay, second] }), '2026-06-05T00:00:00.000Z').findings.map((f) => f.key);
    assert.deepEqual(keys, [`${F}:E-2`, `${R}:E-2`]);
  });
});
