// What the discharge summary knows about one encounter besides the discharge event: a snapshot of
// the encounter read from the patient timeline (store/encounter-record.ts), so the processor stays
// pure and is tested without Kafka or a database. Everything here is scoped to the encounter,
// except care gaps, which belong to the patient.
import type { Coding, Diagnosis, Location } from '../event/payloads.ts';
import type { JsonObject } from '../event/envelope.ts';
import type { PastObservation } from './history.ts';

export interface EncounterFacts {
  class?: string;
  admissionType?: string;
  admitTime?: string;
  dischargeTime?: string;
  /** Locations in the order the patient was in them. */
  locations: { location: Location; since: string }[];
}

export interface EncounterDiagnosis extends Diagnosis {
  eventId: string;
}

export interface EncounterObservation extends PastObservation {
  /** The order it answers, when the result named one. */
  placerNumber?: string;
}

export interface EncounterOrder {
  eventId: string;
  placerNumber?: string;
  /** HL7 ORC-1: NW new, CA cancel, DC discontinue, XO change... */
  control: string;
  code?: Coding;
  orderedAt: string;
}

export interface EncounterMedication {
  eventId: string;
  placerNumber?: string;
  medication: Coding;
  start: string;
  /** Set once stopped, discontinued or ended by the discharge. */
  end?: string;
}

/** An output of another AI consumer (an alert, a finding, a score, a care gap), as stored. */
export interface AiOutput {
  processor: string;
  outputId: string;
  ruleId: string;
  at: string;
  record: JsonObject;
}

export interface EncounterRecord {
  /** False when the timeline had not caught up with the discharge within the wait: events may be missing. */
  complete: boolean;
  patientId: string;
  encounterId: string;
  encounter: EncounterFacts;
  diagnoses: EncounterDiagnosis[];
  /** Every observation of the encounter, oldest first. */
  observations: EncounterObservation[];
  orders: EncounterOrder[];
  medications: EncounterMedication[];
  /** Outputs of the other AI consumers on this encounter's events, oldest first. */
  aiOutputs: AiOutput[];
  /** The patient's care-gap outputs up to the discharge, oldest first. */
  careGaps: AiOutput[];
}

export function emptyEncounterRecord(patientId: string, encounterId: string): EncounterRecord {
  return { complete: true, patientId, encounterId, encounter: { locations: [] }, diagnoses: [], observations: [], orders: [], medications: [], aiOutputs: [], careGaps: [] };
}
