// What a processor knows about the patient besides the event: a snapshot read from the patient
// timeline before the processor runs, so processors stay pure (event + history -> decision) and
// are tested without Kafka or a database.
import type { Coding, Coverage, Diagnosis, Observation } from '../event/payloads.ts';

/** One observation of an earlier (or the same) result event. */
export interface PastObservation extends Observation {
  /** The lab_result event it came in. */
  eventId: string;
  encounterId: string | null;
}

export interface MedicationEntry {
  eventId: string;
  medication: Coding;
  /** Start (or order) time, UTC ISO 8601. */
  start: string;
  /** Set once stopped or discontinued. */
  end?: string;
  encounterId: string | null;
}

/** An output this processor produced earlier for the patient (for repeat suppression). */
export interface PastDecision {
  /** The processor's rule id (e.g. 'critical:potassium-high'). */
  ruleId: string;
  /** Event time of the event that raised it. */
  at: string;
  /** Rule-specific fingerprint, e.g. the value that paged. */
  fingerprint?: string;
}

/** An encounter of the patient as the timeline keeps it (the latest state of each). */
export interface EncounterEntry {
  encounterId: string;
  class?: string;
  /** active | discharged */
  status: string;
  admitTime?: string;
  dischargeTime?: string;
  /** PV1-4 as sent: E emergency, U urgent, C elective, ... */
  admissionType?: string;
}

/** Insurance as last sent (IN1 or FHIR Coverage), with the event it came in. */
export interface CoverageEntry extends Coverage {
  eventId: string;
  recordedAt: string;
}

export interface PatientHistory {
  patientId: string;
  /** Age in whole years at the event time, when known. */
  age?: number;
  sex?: 'male' | 'female' | 'other' | 'unknown';
  /** Earlier observations, newest first (a window of days, enough for delta and trend rules). */
  observations: PastObservation[];
  /** Medications active at the event time (started, not stopped). */
  activeMedications: MedicationEntry[];
  diagnoses: Diagnosis[];
  /** This processor's own earlier decisions for the patient, newest first. */
  decisions: PastDecision[];
  /** Encounters started in the last year and up to the event time, newest first. */
  encounters?: EncounterEntry[];
  /** The coverage list of the latest event that carried one (in its order: primary first). */
  coverage?: CoverageEntry[];
}

export function emptyHistory(patientId: string): PatientHistory {
  return { patientId, observations: [], activeMedications: [], diagnoses: [], decisions: [] };
}
