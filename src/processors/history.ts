// What a processor knows about the patient besides the event: a snapshot read from the patient
// timeline before the processor runs, so processors stay pure (event + history -> decision) and
// are tested without Kafka or a database.
import type { Coding, Diagnosis, Observation } from '../event/payloads.ts';

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
}

export function emptyHistory(patientId: string): PatientHistory {
  return { patientId, observations: [], activeMedications: [], diagnoses: [], decisions: [] };
}
