// Synthetic events for the care-gap tests: one patient's admissions with diagnoses, HbA1c results,
// discharges, outpatient visits and reconciliation orders.
import { type ClinicalEvent, validateEvent } from '../../src/event/envelope.ts';
import { SYSTEM } from '../../src/event/payloads.ts';

const patient = { identifiers: [{ value: 'CANARY-MRN-CG', type: 'MR' }], birthDate: '1951-02-03', sex: 'female' };
const source = { format: 'json' };

export function careGapEvents(patientId: string, prefix = patientId) {
  const ev = (id: string, type: string, at: string, encounter: string | null, payload: Record<string, unknown>): ClinicalEvent =>
    validateEvent({ event_id: `${prefix}-${id}`, event_type: type, patient_id: patientId, encounter_id: encounter, event_timestamp: at, payload });
  return {
    /** An outpatient registration (A04) carrying a diabetes diagnosis. */
    diagnosis: (id: string, at: string, code = 'E11.9') =>
      ev(id, 'admission', at, `${prefix}-enc-${id}`, { trigger: 'A04', patient, source, encounter: { class: 'outpatient', admitTime: at }, diagnoses: [{ code: { system: SYSTEM.icd10cm, code }, type: 'F', recordedAt: at }], coverage: [] }),
    hba1c: (id: string, at: string, value: number, units = '%') =>
      ev(id, 'lab_result', at, null, { patient, source, order: {}, observations: [{ code: { system: SYSTEM.loinc, code: '4548-4' }, value, valueType: 'NM', units, abnormalFlags: [], status: 'F', observedAt: at }] }),
    admission: (encounter: string, at: string) =>
      ev(`${encounter}-adm`, 'admission', at, `${prefix}-${encounter}`, { trigger: 'A01', patient, source, encounter: { class: 'inpatient', admitTime: at }, diagnoses: [], coverage: [] }),
    discharge: (encounter: string, at: string) =>
      ev(`${encounter}-dis`, 'discharge', at, `${prefix}-${encounter}`, { trigger: 'A03', patient, source, encounter: { class: 'inpatient', dischargeTime: at }, diagnoses: [], coverage: [] }),
    visit: (id: string, at: string) => ev(id, 'admission', at, `${prefix}-enc-${id}`, { trigger: 'A04', patient, source, encounter: { class: 'outpatient', admitTime: at }, diagnoses: [], coverage: [] }),
    reconciliation: (id: string, at: string) =>
      ev(id, 'order', at, `${prefix}-enc-${id}`, { patient, source, order: { control: 'NW', placerNumber: id, code: { system: SYSTEM.cpt, code: '1111F' }, orderedAt: at, reasons: [] }, diagnoses: [], coverage: [] }),
  };
}
