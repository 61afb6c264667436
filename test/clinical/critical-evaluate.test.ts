import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AssessContext, assessObservation, resultStatus } from '../../src/clinical/critical/evaluate.ts';
import { criticalFlag } from '../../src/clinical/critical/flags.ts';
import { loadCriticalTable } from '../../src/clinical/critical/load-table.ts';
import type { Observation } from '../../src/event/payloads.ts';
import { hoursFrom, obs, past, T0 } from './critical-fixtures.ts';

const table = loadCriticalTable();
const ctx = (more: Partial<AssessContext> = {}): AssessContext => ({ table, past: [], eventId: 'evt-1', eventTime: T0, preliminary: 'when-flagged', ...more });
const local = (code: string, value: string | number, flags: string[], more: Partial<Observation> = {}): Observation => ({
  code: { system: 'urn:example:lab', code, display: 'Blood culture' },
  value,
  valueType: 'ST',
  abnormalFlags: flags,
  status: 'F',
  ...more,
});

describe('critical engine: HL7 flags', () => {
  it('recognises LL, HH and AA in any case and padding, and nothing else', () => {
    assert.equal(criticalFlag(['H', 'hh ']), 'HH');
    assert.equal(criticalFlag(['LL']), 'LL');
    assert.equal(criticalFlag(['aa']), 'AA');
    assert.equal(criticalFlag(['H', 'L', 'A', 'N']), undefined);
    assert.equal(criticalFlag(undefined), undefined);
  });

  it('LL, HH and AA raise a critical finding without any table limit', () => {
    const aa = assessObservation(local('CULT', 'Positive', ['AA']), ctx());
    assert.equal(aa.critical?.ruleId, 'critical:code-CULT-abnormal');
    assert.equal(aa.critical?.basis, 'flag');
    assert.equal(aa.critical?.worse, 'different');
    assert.match(aa.critical?.source ?? '', /HL7 v2 abnormal flag AA/);
    const hh = assessObservation(obs('2524-7', 9.1, 'mmol/L', { abnormalFlags: ['HH'] }), ctx());
    assert.equal(hh.limit, undefined);
    assert.equal(hh.critical?.ruleId, 'critical:loinc-2524-7-high');
    const ll = assessObservation(obs('2524-7', 0.1, 'mmol/L', { abnormalFlags: ['LL'] }), ctx());
    assert.equal(ll.critical?.ruleId, 'critical:loinc-2524-7-low');
  });

  it('a flag inside the table limits is still honoured, under the analyte rule id', () => {
    const a = assessObservation(obs('2823-3', 6.0, 'mmol/L', { abnormalFlags: ['HH'] }), ctx());
    assert.equal(a.outcome?.status, 'within');
    assert.equal(a.critical?.ruleId, 'critical:potassium-high');
    assert.equal(a.critical?.basis, 'flag');
    assert.equal(a.critical?.fingerprint, '6|mmol/L');
  });

  it('a limit breach is decided by the table, whatever the flags say', () => {
    const a = assessObservation(obs('2823-3', 6.3, 'mmol/L', { abnormalFlags: ['H'] }), ctx());
    assert.equal(a.critical?.basis, 'limit');
    assert.match(a.critical?.source ?? '', /^Kost GJ/);
  });
});

describe('critical engine: result status', () => {
  it('maps HL7 result status: F and C final, P preliminary, others not paged', () => {
    assert.deepEqual(['F', 'c', 'P', 'X', 'I', '', undefined].map(resultStatus), ['final', 'final', 'preliminary', 'other', 'other', 'other', 'other']);
  });

  it('a corrected result is judged like a final one', () => {
    assert.equal(assessObservation(obs('2823-3', 6.3, 'mmol/L', { status: 'C' }), ctx()).critical?.ruleId, 'critical:potassium-high');
  });

  it('a preliminary critical value without a critical flag is held, not judged to page', () => {
    const a = assessObservation(obs('2823-3', 7.0, 'mmol/L', { status: 'P' }), ctx());
    assert.equal(a.critical, undefined);
    assert.equal(a.held, true);
    const normal = assessObservation(obs('2823-3', 4.0, 'mmol/L', { status: 'P' }), ctx());
    assert.equal(normal.held, undefined);
  });

  it('a preliminary value flagged HH pages under "when-flagged", and is held under "never"', () => {
    const p = obs('2823-3', 7.0, 'mmol/L', { status: 'P', abnormalFlags: ['HH'] });
    assert.equal(assessObservation(p, ctx()).critical?.ruleId, 'critical:potassium-high');
    const never = assessObservation(p, ctx({ preliminary: 'never' }));
    assert.equal(never.critical, undefined);
    assert.equal(never.held, true);
  });

  it('cancelled or pending results are not judged at all', () => {
    const a = assessObservation(obs('2823-3', 7.0, 'mmol/L', { status: 'X', abnormalFlags: ['HH'] }), ctx());
    assert.equal(a.critical, undefined);
    assert.equal(a.held, undefined);
  });
});

describe('critical engine: delta with the critical value', () => {
  it('a critical hemoglobin after a fall carries both findings', () => {
    const a = assessObservation(obs('718-7', 6.0, 'g/dL'), ctx({ past: [past(obs('718-7', 10.1, 'g/dL'), 'evt-0', hoursFrom(T0, -6))] }));
    assert.equal(a.critical?.ruleId, 'critical:hemoglobin-low');
    assert.equal(a.delta?.ruleId, 'delta:hemoglobin-fall');
    assert.equal(a.delta?.worse, 'lower');
  });

  it('unconvertible units: no limit judgement, a flag still applies', () => {
    const plain = assessObservation(obs('2823-3', 6.8, 'furlongs'), ctx());
    assert.deepEqual(plain.outcome, { status: 'not-judged', reason: 'units-unknown' });
    assert.equal(plain.critical, undefined);
    const flagged = assessObservation(obs('2823-3', 6.8, 'furlongs', { abnormalFlags: ['HH'] }), ctx());
    assert.equal(flagged.critical?.basis, 'flag');
  });
});
