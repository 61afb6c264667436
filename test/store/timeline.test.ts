// The timeline projection applied to a real (PGlite) store, and the history processors read back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ClinicalEvent, validateEvent } from '../../src/event/envelope.ts';
import { SYSTEM } from '../../src/event/payloads.ts';
import { projectEvent } from '../../src/processors/patient-timeline.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import { ageAt, applyTimelineWrites, loadHistory } from '../../src/store/timeline.ts';

const P = 'pt-timeline-1';
const patient = { identifiers: [{ value: 'MRN-1', authority: 'H', type: 'MR' }], birthDate: '1950-06-15', sex: 'female' };
const source = { format: 'json' };

function ev(id: string, type: string, at: string, payload: Record<string, unknown>, encounter: string | null = 'E1'): ClinicalEvent {
  return validateEvent({ event_id: id, event_type: type, patient_id: P, encounter_id: encounter, event_timestamp: at, payload });
}

const events = [
  ev('adm', 'admission', '2026-11-20T08:00:00Z', {
    trigger: 'A01', patient, source, encounter: { class: 'inpatient', location: { pointOfCare: 'W1', bed: '2' } },
    diagnoses: [{ code: { system: SYSTEM.icd10cm, code: 'E11.9' }, type: 'A' }], coverage: [{ payerId: 'MCR', memberId: 'M1' }],
  }),
  ev('k1', 'lab_result', '2026-11-20T09:00:00Z', { patient, source, order: { placerNumber: 'O1' }, observations: [
    { code: { system: SYSTEM.loinc, code: '2823-3' }, value: 4.1, valueType: 'NM', units: 'mmol/L', abnormalFlags: [], status: 'F', observedAt: '2026-11-20T09:00:00Z' },
  ] }),
  ev('k2', 'lab_result', '2026-11-21T09:00:00Z', { patient, source, order: {}, observations: [
    { code: { system: SYSTEM.loinc, code: '2823-3' }, value: 6.5, valueType: 'NM', units: 'mmol/L', abnormalFlags: ['HH'], status: 'F', observedAt: '2026-11-21T09:00:00Z' },
  ] }),
  ev('warf', 'medication_order', '2026-11-20T10:00:00Z', { patient, source, order: { control: 'NW', placerNumber: 'RX1' }, medication: { system: SYSTEM.rxnorm, code: '11289' }, diagnoses: [], coverage: [] }),
  ev('ibu', 'medication_order', '2026-11-20T11:00:00Z', { patient, source, order: { control: 'NW', placerNumber: 'RX2' }, medication: { system: SYSTEM.rxnorm, code: '5640' }, diagnoses: [], coverage: [] }),
  ev('ibu-stop', 'medication_order', '2026-11-21T12:00:00Z', { patient, source, order: { control: 'DC', placerNumber: 'RX2' }, medication: { system: SYSTEM.rxnorm, code: '5640' }, diagnoses: [], coverage: [] }),
  ev('dis', 'discharge', '2026-11-23T15:00:00Z', { trigger: 'A03', patient, source, encounter: { class: 'inpatient', dischargeTime: '2026-11-23T15:00:00Z' }, diagnoses: [], coverage: [] }),
];

describe('patient timeline in the store', () => {
  let db: Database;
  before(async () => {
    db = await openDatabase({});
    for (const e of events) await db.transaction((tx) => applyTimelineWrites(tx, projectEvent(e).writes ?? []));
  });
  after(() => db.close());

  it('re-applying an event changes nothing', async () => {
    const count = async () => (await db.query<{ n: string }>('SELECT count(*) AS n FROM observations'))[0]?.n;
    const before = await count();
    await db.transaction((tx) => applyTimelineWrites(tx, projectEvent(events[1] as ClinicalEvent).writes ?? []));
    assert.equal(await count(), before);
  });

  it('gives results newest first, active medications and diagnoses as of the event time', async () => {
    const h = await loadHistory(db, P, '2026-11-21T10:00:00Z');
    assert.deepEqual(h.observations.map((o) => [o.eventId, o.value]), [['k2', 6.5], ['k1', 4.1]]);
    assert.deepEqual(h.activeMedications.map((m) => m.medication.code).sort(), ['11289', '5640']);
    assert.deepEqual(h.diagnoses.map((d) => d.code.code), ['E11.9']);
    assert.equal(h.age, 76);
    assert.equal(h.sex, 'female');

    const later = await loadHistory(db, P, '2026-11-22T10:00:00Z');
    assert.deepEqual(later.activeMedications.map((m) => m.medication.code), ['11289'], 'the NSAID was discontinued');
    const afterDischarge = await loadHistory(db, P, '2026-11-24T10:00:00Z');
    assert.deepEqual(afterDischarge.activeMedications, [], 'inpatient orders end at discharge');
    const early = await loadHistory(db, P, '2026-11-20T09:30:00Z');
    assert.deepEqual(early.observations.map((o) => o.eventId), ['k1'], 'nothing from after the event time');
  });

  it('keeps the encounter: class, locations, admitted and discharged', async () => {
    const [enc] = await db.query<{ class: string; status: string; admit_time: Date; discharge_time: Date }>('SELECT class, status, admit_time, discharge_time FROM encounters WHERE encounter_id = $1', ['E1']);
    assert.equal(enc?.class, 'inpatient');
    assert.equal(enc?.status, 'discharged');
    assert.equal(new Date(enc?.discharge_time ?? 0).toISOString(), '2026-11-23T15:00:00.000Z');
    const locations = await db.query('SELECT location FROM encounter_locations WHERE encounter_id = $1', ['E1']);
    assert.equal(locations.length, 1);
  });

  it('computes ages in whole years', () => {
    assert.equal(ageAt('1950-06-15', '2026-06-14T23:00:00Z'), 75);
    assert.equal(ageAt('1950-06-15', '2026-06-15T00:00:00Z'), 76);
  });
});
