// What the per-message-type mappers share: the parsed message, the header, the caller's options, and
// the steps every event goes through (keys, source, time fallback, envelope validation).
import { EventValidationError, validateEvent, type ClinicalEvent, type EventType, type JsonObject } from '../../event/envelope.ts';
import type { SourceInfo } from '../../event/payloads.ts';
import { addIssue, type MapContext } from './context.ts';
import { HL7_ERROR } from './errors.ts';
import { hl7EventId } from './event-id.ts';
import type { HeaderInfo } from './header.ts';
import type { Segment } from './message.ts';
import type { Hl7MapperOptions } from './options.ts';
import type { PatientGroup } from './groups.ts';
import { readPatient, type PatientSection } from './patient.ts';
import { readVisit, type VisitSection } from './visit.ts';

export interface MessageScope {
  ctx: MapContext;
  header: HeaderInfo;
  segments: Segment[];
  options: Hl7MapperOptions;
  events: ClinicalEvent[];
}

export function sourceInfo(header: HeaderInfo): SourceInfo {
  const source: SourceInfo = { format: 'hl7v2' };
  if (header.sendingApplication !== '') source.sendingApplication = header.sendingApplication;
  if (header.sendingFacility !== '') source.sendingFacility = header.sendingFacility;
  source.messageType = header.messageType;
  source.controlId = header.controlId;
  source.version = header.version;
  return source;
}

export interface PatientSections {
  /** Undefined when PID-3 is unusable (the issue is recorded). */
  patient?: PatientSection;
  visit: VisitSection;
}

// Several orders share one patient group: read its PID and PV1 once.
const sections = new WeakMap<PatientGroup, PatientSections>();

export function patientSections(scope: MessageScope, group: PatientGroup): PatientSections {
  let found = sections.get(group);
  if (!found) {
    const patient = readPatient(scope.ctx, group.pid);
    found = { visit: readVisit(scope.ctx, group.pv1) };
    if (patient) found.patient = patient;
    sections.set(group, found);
  }
  return found;
}

export function patientId(scope: MessageScope, patient: PatientSection): string {
  return scope.options.patientKey(patient.key);
}

/**
 * encounter_id from PV1-19, or null. Where the event's topic is keyed by encounter (orders,
 * medication orders, discharges) a missing visit number is an error at PV1-19.
 */
export function encounterId(scope: MessageScope, visit: VisitSection, required: string | undefined, pv1: Segment | undefined): string | null {
  if (visit.visitNumber) return scope.options.encounterKey(visit.visitNumber.value, visit.visitNumber.authority);
  if (required !== undefined) {
    addIssue(scope.ctx, pv1 ?? 'PV1', 19, HL7_ERROR.requiredFieldMissing, `visit number is required for ${required} events (they are keyed by encounter_id)`);
  }
  return null;
}

/** The first clinical time given, else MSH-7; with neither, an error at MSH-7. */
export function eventTime(scope: MessageScope, ...candidates: (string | undefined)[]): string {
  const time = candidates.find((c) => c !== undefined) ?? scope.header.messageTime;
  if (time === undefined) {
    addIssue(scope.ctx, 'MSH', 7, HL7_ERROR.requiredFieldMissing, 'message date/time is required when the message carries no event time');
    return '';
  }
  return time;
}

/** Validates the event against the envelope and adds it; ids number events in message order. */
export function emit(
  scope: MessageScope,
  type: EventType,
  patient: string,
  encounter: string | null,
  timestamp: string,
  payload: object,
): void {
  // Nothing is emitted once the message has an issue: the whole message is refused anyway.
  if (scope.ctx.issues.length > 0) return;
  const { header } = scope;
  try {
    scope.events.push(
      validateEvent({
        event_id: hl7EventId(header.sendingFacility, header.sendingApplication, header.controlId, scope.events.length),
        event_type: type,
        patient_id: patient,
        encounter_id: encounter,
        event_timestamp: timestamp,
        payload: payload as JsonObject,
      }),
    );
  } catch (err) {
    if (!(err instanceof EventValidationError)) throw err;
    // Field names and rules only: the envelope's errors never carry values.
    for (const e of err.errors) addIssue(scope.ctx, 'MSH', undefined, HL7_ERROR.internal, `mapped event: ${e.field} ${e.rule}`);
  }
}
