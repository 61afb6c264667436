// The ai-risk-assessment processor without Kafka: NEWS2 and Charlson on admission and transfer,
// LACE on discharge, one record per event on the output topic and in the store writes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClinicalEvent, JsonObject } from '../../src/event/envelope.ts';
import { type AdtPayload, type Diagnosis, SYSTEM } from '../../src/event/payloads.ts';
import { emptyHistory, type EncounterEntry, type PastObservation, type PatientHistory } from '../../src/processors/history.ts';
import { assessmentId, DEFAULT_RISK_SCORES_TOPIC, type RiskAssessment, riskAssessmentProcessor } from '../../src/processors/risk-assessment.ts';
import { CANARY } from '../support/canary.ts';

const assess = riskAssessmentProcessor();
const AT = '2026-11-26T10:00:00.000Z';
const dx = (code: string): Diagnosis => ({ code: { system: SYSTEM.icd10cm, code } });

function adt(type: 'admission' | 'transfer' | 'discharge' | 'registration_update', more: Partial<AdtPayload> = {}): ClinicalEvent {
  const payload: AdtPayload = {
    trigger: { admission: 'A01', transfer: 'A02', discharge: 'A03', registration_update: 'A08' }[type],
    patient: { identifiers: [{ value: CANARY.mrn, type: 'MR' }], name: { family: 'ZZCANARY' } },
    diagnoses: [],
    coverage: [],
    source: { format: 'hl7v2' },
    ...more,
  };
  return { event_id: `evt-${type}`, event_type: type, patient_id: 'P-77', encounter_id: 'ENC-9', event_timestamp: AT, payload: payload as unknown as JsonObject };
}

function vital(code: string, value: number | string, minutesBefore = 30, units?: string): PastObservation {
  return {
    code: { system: SYSTEM.loinc, code },
    value,
    valueType: typeof value === 'number' ? 'NM' : 'CWE',
    ...(units ? { units } : {}),
    abnormalFlags: [],
    status: 'F',
    observedAt: new Date(Date.parse(AT) - minutesBefore * 60_000).toISOString(),
    eventId: 'evt-vitals',
    encounterId: 'ENC-8',
  };
}

const VITALS = [vital('9279-1', 22), vital('59408-5', 95, 30, '%'), vital('3151-8', 0, 30, 'L/min'), vital('8480-6', 105), vital('8867-4', 112), vital('67775-7', 'Alert'), vital('8310-5', 38.4, 30, 'Cel')];

function history(more: Partial<PatientHistory> = {}): PatientHistory {
  return { ...emptyHistory('P-77'), ...more };
}

function only(decision: ReturnType<typeof assess>): RiskAssessment {
  assert.equal(decision.outputs?.length, 1);
  assert.deepEqual(decision.writes, [decision.outputs?.[0]?.value]);
  return decision.outputs?.[0]?.value as unknown as RiskAssessment;
}

describe('ai-risk-assessment on admission and transfer', () => {
  it('scores NEWS2 from the newest vitals and Charlson from the diagnoses on file', () => {
    const decision = assess(adt('admission', { diagnoses: [dx('I50.23')] }), history({ observations: VITALS, diagnoses: [dx('E11.22'), dx('E11.9'), dx('J44.9')] }));
    assert.equal(decision.outputs?.[0]?.topic, DEFAULT_RISK_SCORES_TOPIC);
    assert.equal(decision.outputs?.[0]?.key, 'P-77');
    const a = only(decision);
    assert.equal(a.assessment_id, assessmentId('evt-admission'));
    assert.equal(a.trigger, 'admission');
    assert.equal(a.severity, 'urgent', 'NEWS2 high');
    const [news2, charlson] = a.scores;
    // RR 22: 2, SpO2 95: 1, air: 0, SBP 105: 1, pulse 112: 2, alert: 0, 38.4: 1.
    assert.equal(news2?.score, 7);
    assert.equal(news2?.band, 'high');
    assert.equal(news2?.complete, true);
    assert.equal(news2?.rule.id, 'news2:news2');
    assert.match(news2?.rule.source ?? '', /Royal College of Physicians/);
    assert.deepEqual(news2?.components.map((c) => [c.id, c.points]), [
      ['respiration_rate', 2], ['spo2', 1], ['air_or_oxygen', 0], ['systolic_bp', 1], ['pulse', 2], ['consciousness', 0], ['temperature', 1],
    ]);
    assert.equal(news2?.components[0]?.source_event_id, 'evt-vitals');
    // Heart failure 1, complicated diabetes 2 (supersedes uncomplicated), COPD 1.
    assert.equal(charlson?.score, 4);
    assert.match(charlson?.rule.source ?? '', /Quan H/);
  });

  it('says which vitals are missing and invents none', () => {
    const a = only(assess(adt('admission'), history({ observations: [vital('8867-4', 80), vital('9279-1', 16)] })));
    const news2 = a.scores[0];
    assert.deepEqual(news2?.missing, ['spo2', 'air_or_oxygen', 'systolic_bp', 'consciousness', 'temperature']);
    assert.equal(news2?.band, null);
    assert.equal(news2?.score, 0);
  });

  it('uses SpO2 scale 2 for a patient with hypercapnic respiratory failure on file', () => {
    const obs = [vital('9279-1', 16), vital('59408-5', 90, 30, '%'), vital('3151-8', 2, 30, 'L/min'), vital('8480-6', 130), vital('8867-4', 80), vital('67775-7', 'A'), vital('8310-5', 37)];
    const scale1 = only(assess(adt('transfer'), history({ observations: obs }))).scores[0];
    assert.equal(scale1?.components.find((c) => c.id === 'spo2')?.points, 3);
    const scale2 = only(assess(adt('transfer'), history({ observations: obs, diagnoses: [dx('J96.12')] }))).scores[0];
    assert.equal(scale2?.components.find((c) => c.id === 'spo2')?.points, 0);
    assert.match(scale2?.components.find((c) => c.id === 'spo2')?.detail ?? '', /scale 2: diagnosis J96.12/);
    assert.equal(scale2?.score, 2, 'oxygen still scores 2');
  });

  it('ignores vitals charted after the event or older than the window', () => {
    const a = only(assess(adt('admission'), history({ observations: [vital('8867-4', 140, -10), vital('9279-1', 30, 13 * 60)] })));
    assert.equal(a.scores[0]?.missing.length, 7);
  });

  it('does nothing for registration updates and non-ADT events', () => {
    assert.deepEqual(assess(adt('registration_update'), history()), {});
    assert.deepEqual(assess({ ...adt('admission'), event_type: 'lab_result' }, history()), {});
  });
});

describe('ai-risk-assessment on discharge', () => {
  const now: EncounterEntry = { encounterId: 'ENC-9', class: 'inpatient', status: 'active', admitTime: '2026-11-18T09:00:00.000Z', admissionType: 'E' };
  const ed = (id: string, start: string, end: string): EncounterEntry => ({ encounterId: id, class: 'emergency', status: 'discharged', admitTime: start, dischargeTime: end });

  it('gives LACE from the encounter, the diagnoses and the earlier ED visits', () => {
    const h = history({
      diagnoses: [dx('I50.23'), dx('N18.4')],
      encounters: [now, ed('ED-1', '2026-09-01T10:00:00.000Z', '2026-09-01T14:00:00.000Z'), ed('ED-2', '2026-04-01T10:00:00.000Z', '2026-04-01T14:00:00.000Z'), ed('ED-0', '2026-11-18T03:00:00.000Z', '2026-11-18T09:00:00.000Z')],
    });
    const a = only(assess(adt('discharge', { encounter: { dischargeTime: AT } }), h));
    assert.equal(a.scores.length, 1);
    const lace = a.scores[0];
    assert.equal(lace?.score_id, 'lace');
    // 8 days: 5; emergent: 3; Charlson 3 (heart failure 1, renal 2): 3; one ED visit in 6 months: 1.
    assert.deepEqual(lace?.components.map((c) => [c.id, c.value, c.points]), [['length_of_stay', 8, 5], ['acuity', true, 3], ['charlson', 3, 3], ['ed_visits', 1, 1]]);
    assert.equal(lace?.score, 12);
    assert.equal(lace?.band, 'high');
    assert.equal(a.severity, 'high');
  });

  it('prefers the admission time and type the discharge message carries', () => {
    const a = only(assess(adt('discharge', { encounter: { admitTime: '2026-11-25T09:00:00.000Z', admissionType: 'C', dischargeTime: AT } }), history({ encounters: [now] })));
    assert.deepEqual(a.scores[0]?.components.slice(0, 2).map((c) => c.points), [1, 0]);
    assert.equal(a.scores[0]?.band, 'low');
  });

  it('gives no LACE when an ED visit or other non-inpatient encounter ends', () => {
    assert.deepEqual(assess(adt('discharge', { encounter: { class: 'emergency', dischargeTime: AT } }), history()), {});
    assert.deepEqual(assess(adt('discharge'), history({ encounters: [{ ...now, class: 'outpatient' }] })), {});
  });

  it('names the length of stay as missing when no admission time is known', () => {
    const a = only(assess(adt('discharge', { encounter: { admissionType: 'E' } }), history()));
    assert.deepEqual(a.scores[0]?.missing, ['length_of_stay']);
  });
});
