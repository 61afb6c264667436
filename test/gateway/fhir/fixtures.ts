// Realistic FHIR R4 resources for the mapping and route tests (US Core-like), built fresh on each
// call so a test can change one without touching the next. Names and MRNs are canary values: they
// must never show up outside a payload. Key functions are simple enough to assert on.
import type { Bundle, DiagnosticReport, Encounter, MedicationRequest, Observation, Patient, ServiceRequest } from '@medplum/fhirtypes';
import type { FhirMapOptions } from '../../../src/gateway/fhir/options.ts';
import { CANARY } from '../../support/canary.ts';

export const options: FhirMapOptions = {
  patientKey: (id) => `pt:${id.authority ?? '-'}:${id.value}`,
  encounterKey: (visit, authority) => `enc:${authority ?? '-'}:${visit}`,
};

export const MRN_SYSTEM = 'http://hospital.example.org/fhir/sid/mrn';
export const VISIT_SYSTEM = 'http://hospital.example.org/fhir/sid/visit';
export const ORDER_SYSTEM = 'http://hospital.example.org/fhir/sid/placer';
export const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
export const VISIT = 'V-CANARY-0001';
export const PATIENT_ID = `pt:${MRN_SYSTEM}:${CANARY.mrn}`;
export const ENCOUNTER_ID = `enc:${VISIT_SYSTEM}:${VISIT}`;

const [family = '', given = ''] = CANARY.name.split('^');

/** A copy without the named elements (to build a resource that lacks one). */
export function omit<T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> {
  const copy: Partial<T> = { ...value };
  for (const k of keys) delete copy[k];
  return copy as Omit<T, K>;
}

/** How clinical resources name the patient when the Patient is not sent along. */
export const subjectByIdentifier = () => ({
  reference: 'Patient/pat-canary',
  identifier: { system: MRN_SYSTEM, value: CANARY.mrn },
  display: `${given} ${family}`,
});

export const encounterByIdentifier = () => ({ reference: 'Encounter/enc-1', identifier: { system: VISIT_SYSTEM, value: VISIT } });

export function patient(): Patient {
  return {
    resourceType: 'Patient',
    id: 'pat-canary',
    meta: { versionId: '3', lastUpdated: '2024-03-15T08:20:00-05:00', profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'] },
    extension: [
      {
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex',
        valueCode: 'F',
      },
    ],
    identifier: [
      // The SSN comes first: patient_id must still be keyed on the MRN.
      { use: 'official', type: { coding: [{ system: V2_0203, code: 'SS' }], text: 'Social Security Number' }, system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-00-1234' },
      { use: 'usual', type: { coding: [{ system: V2_0203, code: 'MR', display: 'Medical Record Number' }], text: 'Medical Record Number' }, system: MRN_SYSTEM, value: CANARY.mrn },
      { use: 'old', type: { coding: [{ system: V2_0203, code: 'MR' }] }, system: 'http://legacy.example.org/mrn', value: 'OLD-CANARY-1' },
      { type: { coding: [{ system: V2_0203, code: 'DL' }] }, system: 'urn:oid:2.16.840.1.113883.4.3.25', value: 'CANARY-DL-55' },
    ],
    active: true,
    name: [
      { use: 'nickname', given: ['Zed'] },
      { use: 'official', family, given: [given, 'Q'] },
    ],
    telecom: [{ system: 'phone', value: '555-0100', use: 'home' }],
    gender: 'female',
    birthDate: '1931-02-28',
    address: [{ line: ['1 CANARY Way'], city: 'Springfield', state: 'MA', postalCode: '01101' }],
  };
}

export function inpatientEncounter(): Encounter {
  return {
    resourceType: 'Encounter',
    id: 'enc-1',
    meta: { versionId: '1', lastUpdated: '2024-03-15T08:26:00-05:00' },
    contained: [
      { resourceType: 'Location', id: 'bed', name: 'A', physicalType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/location-physical-type', code: 'bd' }] }, partOf: { reference: '#room' } },
      { resourceType: 'Location', id: 'room', name: '401', physicalType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/location-physical-type', code: 'ro' }] }, partOf: { reference: '#ward' } },
      { resourceType: 'Location', id: 'ward', name: '4WEST', physicalType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/location-physical-type', code: 'wa' }] } },
      { resourceType: 'Condition', id: 'dx', subject: { reference: 'Patient/pat-canary' }, code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I21.4', display: 'Non-ST elevation (NSTEMI) myocardial infarction' }] }, recordedDate: '2024-03-15T08:25:00-05:00' },
    ],
    identifier: [{ use: 'official', type: { coding: [{ system: V2_0203, code: 'VN' }] }, system: VISIT_SYSTEM, value: VISIT }],
    status: 'in-progress',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' },
    type: [{ coding: [{ system: 'http://snomed.info/sct', code: '32485007', display: 'Hospital admission' }] }],
    subject: subjectByIdentifier(),
    participant: [
      {
        type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'ATND', display: 'attender' }] }],
        individual: { reference: 'Practitioner/prac-1', identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' } },
      },
    ],
    period: { start: '2024-03-15T08:25:00-05:00' },
    diagnosis: [{ condition: { reference: '#dx' }, use: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/diagnosis-role', code: 'AD' }] } }],
    location: [{ location: { reference: '#bed', display: '4 West 401-A' }, status: 'active', period: { start: '2024-03-15T08:25:00-05:00' } }],
  };
}

export function finishedEncounter(): Encounter {
  const enc = inpatientEncounter();
  return {
    ...enc,
    meta: { versionId: '4', lastUpdated: '2024-03-19T11:05:00-04:00' },
    status: 'finished',
    period: { start: '2024-03-15T08:25:00-05:00', end: '2024-03-19T11:00:00-04:00' },
    hospitalization: { dischargeDisposition: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/discharge-disposition', code: 'home', display: 'Home' }] } },
    location: [{ location: { reference: '#bed' }, status: 'completed', period: { start: '2024-03-15T08:25:00-05:00', end: '2024-03-19T11:00:00-04:00' } }],
  };
}

export function potassium(): Observation {
  return {
    resourceType: 'Observation',
    id: 'obs-k-1',
    meta: { versionId: '1', lastUpdated: '2024-03-15T09:45:13-05:00', profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-lab'] },
    identifier: [{ type: { coding: [{ system: V2_0203, code: 'FILL' }] }, system: 'http://lab.example.org/accession', value: 'LAB-2024-0042-K' }],
    basedOn: [{ reference: 'ServiceRequest/sr-bmp', identifier: { type: { coding: [{ system: V2_0203, code: 'PLAC' }] }, system: ORDER_SYSTEM, value: 'PLC-778' } }],
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: {
      coding: [
        { system: 'http://lab.example.org/codes', code: 'K', display: 'Potassium' },
        { system: 'http://loinc.org', code: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma' },
      ],
      text: 'Potassium',
    },
    subject: subjectByIdentifier(),
    encounter: encounterByIdentifier(),
    effectiveDateTime: '2024-03-15T09:10:00-05:00',
    issued: '2024-03-15T09:45:12.345-05:00',
    valueQuantity: { value: 6.2, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
    interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'H', display: 'High' }] }],
    referenceRange: [{ low: { value: 3.5, unit: 'mmol/L' }, high: { value: 5.1, unit: 'mmol/L' }, text: '3.5-5.1 mmol/L' }],
  };
}

function labObservation(id: string, loinc: string, display: string, value: number, unit: string, low: number, high: number, flag: string): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: loinc, display }] },
    subject: { reference: 'Patient/pat-canary' },
    effectiveDateTime: '2024-03-15T06:00:00-05:00',
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
    interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: flag }] }],
    referenceRange: [{ low: { value: low, unit }, high: { value: high, unit } }],
  };
}

export function bmpReport(): DiagnosticReport {
  return {
    resourceType: 'DiagnosticReport',
    id: 'dr-bmp-1',
    meta: { versionId: '2', lastUpdated: '2024-03-15T06:47:00-05:00' },
    contained: [
      labObservation('na', '2951-2', 'Sodium [Moles/volume] in Serum or Plasma', 138, 'mmol/L', 136, 145, 'N'),
      labObservation('k', '2823-3', 'Potassium [Moles/volume] in Serum or Plasma', 6.8, 'mmol/L', 3.5, 5.1, 'HH'),
      labObservation('glu', '2345-7', 'Glucose [Mass/volume] in Serum or Plasma', 250, 'mg/dL', 70, 99, 'H'),
    ],
    identifier: [{ type: { coding: [{ system: V2_0203, code: 'FILL' }] }, system: 'http://lab.example.org/accession', value: 'LAB-2024-0042' }],
    basedOn: [{ identifier: { type: { coding: [{ system: V2_0203, code: 'PLAC' }] }, system: ORDER_SYSTEM, value: 'PLC-778' } }],
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'CH' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '51990-0', display: 'Basic metabolic panel - Blood' }] },
    subject: subjectByIdentifier(),
    encounter: encounterByIdentifier(),
    effectiveDateTime: '2024-03-15T06:00:00-05:00',
    issued: '2024-03-15T06:45:00-05:00',
    result: [{ reference: '#na' }, { reference: '#k' }, { reference: '#glu' }],
  };
}

export function ctOrder(): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    id: 'sr-ct-1',
    meta: { versionId: '1', lastUpdated: '2024-03-15T10:02:00-05:00' },
    identifier: [{ type: { coding: [{ system: V2_0203, code: 'PLAC' }] }, system: ORDER_SYSTEM, value: 'ORD-5511' }],
    status: 'active',
    intent: 'order',
    priority: 'stat',
    category: [{ coding: [{ system: 'http://snomed.info/sct', code: '363679005', display: 'Imaging' }] }],
    code: {
      coding: [
        { system: 'http://snomed.info/sct', code: '419394005', display: 'CT of abdomen and pelvis with contrast' },
        { system: 'http://www.ama-assn.org/go/cpt', code: '74177', display: 'CT abdomen and pelvis with contrast' },
      ],
    },
    subject: subjectByIdentifier(),
    encounter: encounterByIdentifier(),
    authoredOn: '2024-03-15T10:00:00-05:00',
    requester: { reference: 'Practitioner/prac-1', identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' } },
    reasonCode: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'R10.9', display: 'Unspecified abdominal pain' }] }],
  };
}

export function warfarinOrder(): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: 'mr-warf-1',
    meta: { versionId: '1', lastUpdated: '2024-03-15T11:31:00-05:00' },
    identifier: [{ type: { coding: [{ system: V2_0203, code: 'PLAC' }] }, system: ORDER_SYSTEM, value: 'RX-9001' }],
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: {
      coding: [
        { system: 'http://hl7.org/fhir/sid/ndc', code: '0056-0172-70', display: 'Coumadin 5 MG Oral Tablet' },
        { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '11289', display: 'warfarin' },
      ],
      text: 'warfarin 5 mg tablet',
    },
    subject: subjectByIdentifier(),
    encounter: encounterByIdentifier(),
    authoredOn: '2024-03-15T11:30:00-05:00',
    requester: { reference: 'Practitioner/prac-1', identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' } },
    reasonCode: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I48.91', display: 'Unspecified atrial fibrillation' }] }],
    dosageInstruction: [
      {
        text: '5 mg by mouth once daily',
        timing: {
          repeat: { frequency: 1, period: 1, periodUnit: 'd', boundsPeriod: { start: '2024-03-15T18:00:00-05:00' } },
          code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation', code: 'QD' }] },
        },
        route: { coding: [{ system: 'http://snomed.info/sct', code: '26643006', display: 'Oral route' }] },
        doseAndRate: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/dose-rate-type', code: 'ordered' }] }, doseQuantity: { value: 5, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' } }],
      },
    ],
  };
}

const uuid = (n: number) => `urn:uuid:6f1c2a4e-0000-4000-8000-${String(n).padStart(12, '0')}`;
export const URN = { patient: uuid(1), encounter: uuid(2), potassium: uuid(3), report: uuid(4), glucose: uuid(5), order: uuid(6), medication: uuid(7) };

/**
 * A transaction as an EHR would send it: new resources with urn:uuid fullUrls and no ids, linked to
 * each other by those urns. The report's glucose result is an entry of its own.
 */
export function transaction(type: 'transaction' | 'batch' = 'transaction'): Bundle {
  const pat = omit(patient(), 'id');
  const enc = omit(inpatientEncounter(), 'id');
  const k = omit(potassium(), 'id');
  const { contained, ...report } = omit(bmpReport(), 'id');
  const glucose = omit(contained?.[2] as Observation, 'id');
  const order = omit(ctOrder(), 'id');
  const med = omit(warfarinOrder(), 'id');
  const toPatient = { reference: URN.patient };
  const toEncounter = { reference: URN.encounter };
  const post = (url: string) => ({ method: 'POST' as const, url });
  return {
    resourceType: 'Bundle',
    type,
    entry: [
      { fullUrl: URN.patient, resource: pat, request: post('Patient') },
      { fullUrl: URN.encounter, resource: { ...enc, subject: toPatient }, request: post('Encounter') },
      { fullUrl: URN.potassium, resource: { ...k, subject: toPatient, encounter: toEncounter }, request: post('Observation') },
      {
        fullUrl: URN.report,
        resource: { ...report, contained: contained?.slice(0, 2), subject: toPatient, encounter: toEncounter, result: [{ reference: '#na' }, { reference: '#k' }, { reference: URN.glucose }] },
        request: post('DiagnosticReport'),
      },
      { fullUrl: URN.glucose, resource: { ...glucose, subject: toPatient }, request: post('Observation') },
      { fullUrl: URN.order, resource: { ...order, subject: toPatient, encounter: toEncounter }, request: post('ServiceRequest') },
      { fullUrl: URN.medication, resource: { ...med, subject: toPatient, encounter: toEncounter }, request: post('MedicationRequest') },
    ],
  };
}
