// What every resource mapper shares: the caller's options, the references it may resolve, and the
// steps every event goes through (subject and encounter keys, event time, id, envelope validation).
import { EventValidationError, validateEvent, type ClinicalEvent, type EventType, type JsonObject } from '../../event/envelope.ts';
import type { EncounterInfo, SourceInfo } from '../../event/payloads.ts';
import { dateTime } from './datetime.ts';
import { readEncounter } from './encounter.ts';
import type { FhirIssue } from './errors.ts';
import { fhirEventId, resourceIdentity, resourceVersion } from './event-id.ts';
import type { FhirNode } from './node.ts';
import type { FhirMapOptions } from './options.ts';
import { keyOf, readIdentifier, readPatient, type PatientSection } from './patient.ts';
import { type ReferenceIndex, referencedType } from './references.ts';

export interface MapScope {
  options: FhirMapOptions;
  /** The Bundle's entries (empty for a resource posted on its own). */
  index: ReferenceIndex;
  /** Problems of this mapping; nothing is emitted once there is one. */
  issues: FhirIssue[];
}

export interface ResourceContext {
  scope: MapScope;
  /** The resource being mapped. */
  root: FhirNode;
  resourceType: string;
  /** Its Bundle entry's fullUrl, the identity of last resort. */
  fullUrl?: string;
  /** Other resources read into the event (a report's results): their versions are part of its id. */
  related: FhirNode[];
  events: ClinicalEvent[];
}

export function sourceInfo(ctx: ResourceContext): SourceInfo {
  return { format: 'fhir', messageType: ctx.resourceType };
}

/** The Patient named by a reference: resolved in the Bundle or `contained`, else its identifier. */
export function referencedPatient(ctx: ResourceContext, ref: FhirNode): PatientSection | undefined {
  const reference = ref.str('reference');
  const named = ref.str('type') ?? (reference !== undefined && !reference.startsWith('#') ? referencedType(reference) : undefined);
  if (named !== undefined && named !== 'Patient') {
    ref.issue('not-supported', 'must reference a Patient: other subjects (Group, Device, Location) are not supported');
    return undefined;
  }
  if (reference !== undefined) {
    const resolved = ctx.scope.index.resolve(reference, ctx.root);
    if (resolved) {
      if (resolved.node.resourceType === 'Patient') return readPatient(resolved.node);
      ref.issue('invalid', 'must reference a Patient');
      return undefined;
    }
  }
  const idNode = ref.obj('identifier');
  const id = idNode && readIdentifier(idNode);
  if (id) return { info: { identifiers: [id] }, key: keyOf(id) };
  if (reference !== undefined) ref.issue('not-found', 'must resolve to a Patient in the same Bundle or contained, or carry an identifier');
  else ref.issue('required', 'must have a reference or an identifier');
  return undefined;
}

/** The patient of a clinical resource: its `subject`, which is required. */
export function subjectPatient(ctx: ResourceContext): PatientSection | undefined {
  const ref = ctx.root.obj('subject');
  if (!ref) {
    ctx.root.issue('required', 'subject is required: a reference to the Patient', 'subject');
    return undefined;
  }
  return referencedPatient(ctx, ref);
}

export function patientId(ctx: ResourceContext, patient: PatientSection): string {
  return ctx.scope.options.patientKey(patient.key);
}

export interface EncounterRef {
  id: string | null;
  info?: EncounterInfo;
}

/**
 * The `encounter` of a clinical resource, keyed on the Encounter's visit number (resolved in the
 * Bundle) or on the reference's identifier. Where the event's topic is keyed by encounter (orders,
 * medication orders) one of them is required; elsewhere an unresolved encounter leaves it null.
 */
export function referencedEncounter(ctx: ResourceContext, requiredFor: string | undefined): EncounterRef {
  const { root, scope } = ctx;
  const ref = root.obj('encounter');
  let info: EncounterInfo | undefined;
  if (ref) {
    const reference = ref.str('reference');
    const resolved = reference === undefined ? undefined : scope.index.resolve(reference, root);
    if (resolved) {
      if (resolved.node.resourceType !== 'Encounter') {
        ref.issue('invalid', 'must reference an Encounter');
        return { id: null };
      }
      const encounter = readEncounter(scope, resolved.node);
      if (encounter.visit) return { id: scope.options.encounterKey(encounter.visit.value, encounter.visit.authority), info: encounter.info };
      info = encounter.info;
    }
    const idNode = ref.obj('identifier');
    const id = idNode && readIdentifier(idNode);
    if (id) return { id: scope.options.encounterKey(id.value, id.authority), info: { ...info, visitNumber: id.value } };
  }
  if (requiredFor !== undefined) {
    const why = `${requiredFor} events are keyed by encounter_id`;
    if (!ref) root.issue('required', `encounter is required: ${why}`, 'encounter');
    else ref.issue('not-found', `must resolve to an Encounter with an identifier in the same Bundle, or carry an identifier: ${why}`);
  }
  return info ? { id: null, info } : { id: null };
}

/** The first clinical time given, else meta.lastUpdated; with neither, an issue at `missing`. */
export function eventTime(ctx: ResourceContext, candidates: readonly (string | undefined)[], missing: string, rule: string): string | undefined {
  const time = candidates.find((c) => c !== undefined) ?? dateTime(ctx.root.obj('meta'), 'lastUpdated');
  if (time === undefined) ctx.root.issue('required', rule, missing);
  return time;
}

/** An issue when the resource has nothing to derive a stable event id from. */
export function checkIdentity(ctx: ResourceContext): void {
  if (resourceIdentity(ctx.root, ctx.fullUrl) === undefined) {
    ctx.root.issue('required', 'an identifier or id is required: the event id is derived from it, so that a resent resource is no second event', 'identifier');
  }
}

/** Validates the event against the envelope and adds it, unless the mapping has an issue. */
export function emit(
  ctx: ResourceContext,
  type: EventType,
  patient: PatientSection | undefined,
  encounterId: string | null,
  timestamp: string | undefined,
  payload: object,
): void {
  const { root, scope } = ctx;
  const identity = resourceIdentity(root, ctx.fullUrl);
  if (scope.issues.length > 0 || !patient || timestamp === undefined || identity === undefined) return;
  const versions = [resourceVersion(root), ...ctx.related.map(resourceVersion)];
  try {
    ctx.events.push(
      validateEvent({
        event_id: fhirEventId(ctx.resourceType, identity, versions, type),
        event_type: type,
        patient_id: patientId(ctx, patient),
        encounter_id: encounterId,
        event_timestamp: timestamp,
        payload: payload as JsonObject,
      }),
    );
  } catch (err) {
    if (!(err instanceof EventValidationError)) throw err;
    // Field names and rules only: the envelope's errors never carry values.
    for (const e of err.errors) root.issue('invalid', `mapped event: ${e.field} ${e.rule}`);
  }
}
