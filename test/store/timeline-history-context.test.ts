// The patient history's encounters and coverage, read back from a real (PGlite) store after the
// timeline projection: what LACE counts ED visits from and prior authorization finds the payer in.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ClinicalEvent, validateEvent } from '../../src/event/envelope.ts';
import { SYSTEM } from '../../src/event/payloads.ts';
import { projectEvent } from '../../src/processors/patient-timeline.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import { applyTimelineWrites, loadHistory } from '../../src/store/timeline.ts';

const P = 'pt-context-1';
const patient = { identifiers: [{ value: 'MRN-2', type: 'MR' }] };
const source = { format: 'json' };

function adt(id: string, type: string, encounter: string, at: string, enc: Record<string, unknown>, coverage: unknown[] = []): ClinicalEvent {
  return validateEvent({ event_id: id, event_type: type, patient_id: P, encounter_id: encounter, event_timestamp: at, payload: { trigger: 'A01', patient, source, encounter: enc, diagnoses: [], coverage } });
}

describe('history: encounters and coverage', () => {
  let db: Database;
  before(async () => {
    db = await openDatabase({});
    const events = [
      adt('ed-old', 'admission', 'ED-1', '2025-06-01T10:00:00Z', { class: 'emergency' }, [{ payerId: 'AETNA', memberId: 'M-old' }]),
      adt('ed-old-out', 'discharge', 'ED-1', '2025-06-01T14:00:00Z', { class: 'emergency', dischargeTime: '2025-06-01T14:00:00Z' }),
      adt('ed-1', 'admission', 'ED-2', '2026-10-01T10:00:00Z', { class: 'emergency' }, [{ payerId: 'BCBS', memberId: 'M1' }, { payerId: 'MCD', memberId: 'M2' }]),
      adt('ed-1-out', 'discharge', 'ED-2', '2026-10-01T14:00:00Z', { class: 'emergency', dischargeTime: '2026-10-01T14:00:00Z' }),
      adt('ip', 'admission', 'IP-1', '2026-11-20T08:00:00Z', { class: 'inpatient', admissionType: 'E', admitTime: '2026-11-20T08:00:00Z' }),
      adt('later', 'admission', 'IP-2', '2026-12-20T08:00:00Z', { class: 'inpatient' }, [{ payerId: 'UHC', memberId: 'M3' }]),
      validateEvent({
        event_id: 'xfer', event_type: 'transfer', patient_id: P, encounter_id: 'IP-1', event_timestamp: '2026-11-22T08:00:00Z',
        payload: { trigger: 'A02', patient, source, diagnoses: [], coverage: [], observations: [{ code: { system: SYSTEM.loinc, code: '8867-4' }, value: 118, valueType: 'NM', units: '/min', abnormalFlags: [], status: 'F' }] },
      }),
    ];
    for (const e of events) await db.transaction((tx) => applyTimelineWrites(tx, projectEvent(e).writes ?? []));
  });
  after(() => db.close());

  it('gives the encounters of the last year up to the event time, newest first', async () => {
    const h = await loadHistory(db, P, '2026-11-25T12:00:00Z');
    assert.deepEqual(h.encounters?.map((e) => [e.encounterId, e.class, e.status]), [['IP-1', 'inpatient', 'active'], ['ED-2', 'emergency', 'discharged']]);
    assert.equal(h.encounters?.[0]?.admissionType, 'E');
    assert.equal(h.encounters?.[1]?.dischargeTime, '2026-10-01T14:00:00.000Z');
  });

  it('gives the coverage list of the latest event that carried one, primary first', async () => {
    const h = await loadHistory(db, P, '2026-11-25T12:00:00Z');
    assert.deepEqual(h.coverage?.map((c) => [c.payerId, c.memberId, c.eventId]), [['BCBS', 'M1', 'ed-1'], ['MCD', 'M2', 'ed-1']]);
    const before = await loadHistory(db, P, '2025-07-01T00:00:00Z');
    assert.deepEqual(before.coverage?.map((c) => c.payerId), ['AETNA']);
  });

  it('keeps vitals charted with an ADT message as observations, timed by the event when the OBX gives no time', async () => {
    const h = await loadHistory(db, P, '2026-11-22T09:00:00Z');
    assert.deepEqual(h.observations.map((o) => [o.eventId, o.code.code, o.value, o.observedAt]), [['xfer', '8867-4', 118, '2026-11-22T08:00:00.000Z']]);
  });
});
