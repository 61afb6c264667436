// The clinical payloads carried inside the envelope, one shape per event type, whatever the source
// (HL7 v2, FHIR R4, JSON). Codes always carry their system. Everything here may be PHI: it lives
// only inside `payload` (encrypted in Kafka once encryption is on) and is never logged.

/** Code systems, as FHIR URIs. */
export const SYSTEM = {
  loinc: 'http://loinc.org',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  cpt: 'http://www.ama-assn.org/go/cpt',
  hcpcs: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  snomed: 'http://snomed.info/sct',
  ucum: 'http://unitsofmeasure.org',
  ndc: 'http://hl7.org/fhir/sid/ndc',
} as const;

export interface Coding {
  system: string;
  code: string;
  display?: string;
}

/** A patient identifier (HL7 PID-3 CX / FHIR Identifier). */
export interface Identifier {
  value: string;
  /** Assigning authority (PID-3.4) or FHIR identifier system. */
  authority?: string;
  /** Identifier type: MR (medical record number), PI, SS, ... */
  type?: string;
}

export interface PatientInfo {
  identifiers: Identifier[];
  name?: { family?: string; given?: string[] };
  birthDate?: string;
  sex?: 'male' | 'female' | 'other' | 'unknown';
}

export type EncounterClass = 'inpatient' | 'outpatient' | 'emergency' | 'observation' | 'preadmit' | 'other';

export interface Location {
  facility?: string;
  pointOfCare?: string;
  room?: string;
  bed?: string;
}

export interface EncounterInfo {
  /** Visit number (PV1-19) or FHIR Encounter identifier. */
  visitNumber?: string;
  class?: EncounterClass;
  location?: Location;
  priorLocation?: Location;
  /** Admission type (PV1-4): E emergency, U urgent, R routine/elective... */
  admissionType?: string;
  admitTime?: string;
  dischargeTime?: string;
  dischargeDisposition?: string;
  attendingProviderId?: string;
}

export interface Diagnosis {
  code: Coding;
  /** A admitting, W working, F final (DG1-6). */
  type?: string;
  recordedAt?: string;
}

export interface Coverage {
  payerId?: string;
  payerName?: string;
  planId?: string;
  memberId?: string;
  groupNumber?: string;
}

/** Where the event came from. Control ids and facility names are metadata, not PHI. */
export interface SourceInfo {
  format: 'hl7v2' | 'fhir' | 'json';
  sendingApplication?: string;
  sendingFacility?: string;
  /** e.g. ADT^A01, ORU^R01, or the FHIR resource type. */
  messageType?: string;
  controlId?: string;
  version?: string;
}

interface PatientEventPayload {
  patient: PatientInfo;
  encounter?: EncounterInfo;
  source: SourceInfo;
}

/** admission, transfer, discharge, registration_update. */
export interface AdtPayload extends PatientEventPayload {
  /** HL7 trigger event (A01, A02, A03, A04, A08) or its FHIR equivalent. */
  trigger: string;
  diagnoses: Diagnosis[];
  coverage: Coverage[];
  /** OBX segments sent with the ADT message (vital signs on admission or transfer, height, weight). */
  observations?: Observation[];
}

export interface ReferenceRange {
  low?: number;
  high?: number;
  /** As sent (e.g. "3.5-5.1" or "<200"), for ranges that are not a simple interval. */
  text?: string;
}

export interface Observation {
  code: Coding;
  /** Numeric for NM/SN values, text otherwise; null when the result has no value yet. */
  value: number | string | null;
  /** HL7 value type (NM, ST, CE, CWE, TX, SN, ...) or FHIR value[x] kind. */
  valueType: string;
  units?: string;
  referenceRange?: ReferenceRange;
  /** HL7 abnormal flags (L, H, LL, HH, A, AA, N, ...). */
  abnormalFlags: string[];
  /** F final, P preliminary, C corrected, X cancelled, ... */
  status: string;
  observedAt?: string;
}

export interface OrderRef {
  /** Placer order number (ORC-2 / OBR-2): links a result to its order. */
  placerNumber?: string;
  /** Filler order number (ORC-3 / OBR-3). */
  fillerNumber?: string;
}

/** lab_result: one report (an OBR and its OBXs, or a DiagnosticReport) per event. */
export interface LabResultPayload extends PatientEventPayload {
  order: OrderRef & { code?: Coding };
  observations: Observation[];
  reportStatus?: string;
  resultTime?: string;
}

/** order: lab, imaging and procedure orders. */
export interface OrderPayload extends PatientEventPayload {
  order: OrderRef & {
    /** ORC-1 order control: NW new, CA cancel, XO change, ... */
    control: string;
    code: Coding;
    priority?: string;
    orderedAt?: string;
    orderingProviderId?: string;
    /** ORC-29 order type: I inpatient, O outpatient (e.g. imaging ordered for after discharge). */
    orderType?: string;
    reasons: Coding[];
  };
  diagnoses: Diagnosis[];
  coverage: Coverage[];
}

/** medication_order: pharmacy orders (RDE^O11, FHIR MedicationRequest). */
export interface MedicationOrderPayload extends PatientEventPayload {
  order: OrderRef & { control: string; orderedAt?: string; orderingProviderId?: string; orderType?: string };
  /** RxNorm where the sender gives it; the sender's own code otherwise. */
  medication: Coding;
  dose?: { value?: number; units?: string };
  route?: Coding;
  frequency?: string;
  start?: string;
  end?: string;
  diagnoses: Diagnosis[];
  coverage: Coverage[];
}
