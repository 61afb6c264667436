// Observations, events and histories for the critical-value tests: small builders with defaults,
// so each test states only what it is about.
import type { ClinicalEvent } from '../../src/event/envelope.ts';
import { type Observation, SYSTEM } from '../../src/event/payloads.ts';
import { emptyHistory, type PastDecision, type PastObservation, type PatientHistory } from '../../src/processors/history.ts';

export const T0 = '2025-03-01T10:00:00.000Z';

/** T0 shifted by hours (negative: earlier). */
export function hoursFrom(at: string, hours: number): string {
  return new Date(Date.parse(at) + hours * 3_600_000).toISOString();
}

export function obs(code: string, value: number | string | null, units?: string, more: Partial<Observation> = {}): Observation {
  return {
    code: { system: SYSTEM.loinc, code },
    value,
    valueType: typeof value === 'number' ? 'NM' : 'ST',
    ...(units === undefined ? {} : { units }),
    abnormalFlags: [],
    status: 'F',
    ...more,
  };
}

export function past(o: Observation, eventId: string, observedAt: string): PastObservation {
  return { ...o, observedAt, eventId, encounterId: 'enc-1' };
}

export function labEvent(observations: Observation[], eventId = 'evt-1', at = T0): ClinicalEvent {
  return {
    event_id: eventId,
    event_type: 'lab_result',
    patient_id: 'pat-1',
    encounter_id: 'enc-1',
    event_timestamp: at,
    payload: { source: { format: 'hl7v2' }, patient: { identifiers: [] }, order: {}, observations: observations as unknown as Record<string, unknown>[] },
  };
}

export function history(more: { observations?: PastObservation[]; decisions?: PastDecision[] } = {}): PatientHistory {
  return { ...emptyHistory('pat-1'), ...more };
}
