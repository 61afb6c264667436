// A simulated hospital stay for discharge-summary tests: admission, orders, results (one of them
// critical), medications started, changed and stopped, a procedure, and the discharge, for one
// synthetic patient with canary name and MRN. `expected` lists what the summary must contain.
import { type ClinicalEvent, validateEvent } from '../../src/event/envelope.ts';
import { SYSTEM } from '../../src/event/payloads.ts';
import { CANARY } from './canary.ts';

export interface SimulatedStay {
  patientId: string;
  encounterId: string;
  /** In the order a hospital would send them; the discharge last. */
  events: ClinicalEvent[];
  discharge: ClinicalEvent;
  expected: {
    /** "system|code" of every result (observation) of the stay. */
    results: string[];
    /** "system|code" of every medication ordered in the stay, with what happened to it. */
    medications: Record<string, 'started' | 'changed' | 'stopped'>;
    /** "system|code" of every diagnosis of the stay. */
    diagnoses: string[];
    /** Result values (with units) that must be shown. */
    values: string[];
  };
}

const source = { format: 'json' };

/** A stay of about three days from `start`; `tag` makes ids unique per test run. */
export function simulatedStay(tag: string, start = '2026-11-20T08:00:00Z', opts: { patientId?: string; encounterId?: string } = {}): SimulatedStay {
  const patientId = opts.patientId ?? `pt-${tag}`;
  const encounterId = opts.encounterId ?? `enc-${tag}`;
  const patient = { identifiers: [{ value: CANARY.mrn, authority: 'HOSP', type: 'MR' }], name: { family: CANARY.name, given: ['Test'] }, birthDate: '1948-03-02', sex: 'female' };
  const t0 = Date.parse(start);
  const at = (hours: number) => new Date(t0 + hours * 3_600_000).toISOString();
  const ev = (id: string, type: string, hours: number, payload: Record<string, unknown>) =>
    validateEvent({ event_id: `${tag}-${id}`, event_type: type, patient_id: patientId, encounter_id: encounterId, event_timestamp: at(hours), payload: { patient, source, ...payload } });
  const obs = (code: string, display: string, value: number | string, units: string | undefined, flags: string[], hours: number, range?: { low: number; high: number }) => ({
    code: { system: SYSTEM.loinc, code, display },
    value,
    valueType: typeof value === 'number' ? 'NM' : 'ST',
    ...(units ? { units } : {}),
    ...(range ? { referenceRange: range } : {}),
    abnormalFlags: flags,
    status: 'F',
    observedAt: at(hours),
  });
  const order = (id: string, hours: number, control: string, system: string, code: string, display: string) =>
    ev(id, 'order', hours, { order: { control, placerNumber: `${tag}-${id.replace(/-.*/, '')}`, code: { system, code, display }, orderedAt: at(hours), reasons: [] }, diagnoses: [], coverage: [] });
  const med = (id: string, hours: number, control: string, placer: string, code: string, display: string) =>
    ev(id, 'medication_order', hours, { order: { control, placerNumber: `${tag}-${placer}` }, medication: { system: SYSTEM.rxnorm, code, display }, ...(control === 'NW' ? { start: at(hours) } : {}), diagnoses: [], coverage: [] });

  const discharge = ev('dis', 'discharge', 72, {
    trigger: 'A03',
    encounter: { class: 'inpatient', dischargeTime: at(72), dischargeDisposition: '01' },
    diagnoses: [{ code: { system: SYSTEM.icd10cm, code: 'N17.9', display: 'Acute kidney failure, unspecified' }, type: 'F' }],
    coverage: [],
  });
  const events = [
    ev('adm', 'admission', 0, {
      trigger: 'A01',
      encounter: { class: 'inpatient', admissionType: 'E', admitTime: at(0), location: { pointOfCare: 'MED', room: '4', bed: 'B' } },
      diagnoses: [{ code: { system: SYSTEM.icd10cm, code: 'I50.9', display: 'Heart failure, unspecified' }, type: 'A' }],
      coverage: [],
    }),
    order('bmp', 1, 'NW', SYSTEM.loinc, '51990-0', 'Basic metabolic panel'),
    ev('bmp-res', 'lab_result', 3, {
      order: { placerNumber: `${tag}-bmp` },
      observations: [
        obs('2823-3', 'Potassium', 6.9, 'mmol/L', ['HH'], 3, { low: 3.5, high: 5.1 }),
        obs('2160-0', 'Creatinine', 2.4, 'mg/dL', ['H'], 3, { low: 0.6, high: 1.2 }),
        obs('2951-2', 'Sodium', 139, 'mmol/L', [], 3, { low: 135, high: 145 }),
      ],
    }),
    med('warf', 2, 'NW', 'rx1', '11289', 'warfarin'),
    med('furo', 2, 'NW', 'rx2', '4603', 'furosemide'),
    med('ibu', 4, 'NW', 'rx3', '5640', 'ibuprofen'),
    med('ibu-dc', 20, 'DC', 'rx3', '5640', 'ibuprofen'),
    // Furosemide re-ordered at another dose: the first order ends, a new one starts.
    med('furo-dc', 24, 'DC', 'rx2', '4603', 'furosemide'),
    med('furo2', 24, 'NW', 'rx4', '4603', 'furosemide'),
    order('ct', 30, 'NW', SYSTEM.cpt, '74176', 'CT abdomen and pelvis without contrast'),
    ev('k2', 'lab_result', 40, { order: {}, observations: [obs('2823-3', 'Potassium', 4.6, 'mmol/L', [], 40, { low: 3.5, high: 5.1 })] }),
    ev('ua', 'lab_result', 41, { order: {}, observations: [obs('5778-6', 'Color of Urine', 'amber', undefined, ['A'], 41)] }),
    ev('xfer', 'transfer', 48, { trigger: 'A02', encounter: { class: 'inpatient', location: { pointOfCare: 'STEPDOWN', room: '9', bed: 'A' } }, diagnoses: [{ code: { system: SYSTEM.icd10cm, code: 'E87.5', display: 'Hyperkalemia' }, type: 'W' }], coverage: [] }),
    order('mg', 70, 'NW', SYSTEM.loinc, '19123-9', 'Magnesium'),
    discharge,
  ];
  return {
    patientId,
    encounterId,
    events,
    discharge,
    expected: {
      results: [`${SYSTEM.loinc}|2823-3`, `${SYSTEM.loinc}|2160-0`, `${SYSTEM.loinc}|2951-2`, `${SYSTEM.loinc}|5778-6`],
      medications: { [`${SYSTEM.rxnorm}|11289`]: 'started', [`${SYSTEM.rxnorm}|4603`]: 'changed', [`${SYSTEM.rxnorm}|5640`]: 'stopped' },
      diagnoses: [`${SYSTEM.icd10cm}|I50.9`, `${SYSTEM.icd10cm}|E87.5`, `${SYSTEM.icd10cm}|N17.9`],
      values: ['6.9 mmol/L', '2.4 mg/dL', '139 mmol/L', '4.6 mmol/L', 'amber'],
    },
  };
}
