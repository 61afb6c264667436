// The clinical event envelope (DESIGN §4): exactly six fields, validated field by field.
// Validation errors name the field and the rule, never the value: values may be PHI.

export const EVENT_TYPES = [
  'admission',
  'transfer',
  'discharge',
  'registration_update',
  'lab_result',
  'order',
  'medication_order',
  // Made by vigil itself, never by a sender: the care-gap due sweeper's clock tick for a patient.
  'care_gap_due',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** Event types vigil produces for itself; the gateways refuse them from senders. */
export const INTERNAL_EVENT_TYPES: readonly EventType[] = ['care_gap_due'];

export type JsonObject = { [key: string]: unknown };

export interface ClinicalEvent {
  /** Idempotency key: the same source message always yields the same id. */
  event_id: string;
  event_type: EventType;
  patient_id: string;
  /** Null for events outside an encounter (for instance a registration update). */
  encounter_id: string | null;
  /** When it happened, as UTC ISO 8601 (`...Z`). */
  event_timestamp: string;
  payload: JsonObject;
}

export const ENVELOPE_FIELDS = [
  'event_id',
  'event_type',
  'patient_id',
  'encounter_id',
  'event_timestamp',
  'payload',
] as const satisfies readonly (keyof ClinicalEvent)[];

export interface FieldError {
  field: string;
  rule: string;
}

export class EventValidationError extends Error {
  readonly errors: FieldError[];
  constructor(errors: FieldError[]) {
    super(`invalid event: ${errors.map((e) => `${e.field} ${e.rule}`).join('; ')}`);
    this.name = 'EventValidationError';
    this.errors = errors;
  }
}

const ID_MAX = 256;
// Ids travel in record keys and headers: printable ASCII without spaces keeps them safe to route on.
const ID_PATTERN = /^[\x21-\x7e]+$/;
// RFC 3339 date-time: an explicit offset is required, so no reader has to guess the zone.
const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
// Field names from the input are echoed only when they look like identifiers, never free text.
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function checkId(value: unknown, field: string, errors: FieldError[]): void {
  if (typeof value !== 'string') errors.push({ field, rule: 'must be a string' });
  else if (value.length === 0) errors.push({ field, rule: 'must not be empty' });
  else if (value.length > ID_MAX) errors.push({ field, rule: `must be at most ${ID_MAX} characters` });
  else if (!ID_PATTERN.test(value)) errors.push({ field, rule: 'must be printable ASCII without spaces' });
}

// The canonical form every vigil producer writes (Date#toISOString), checked without a Date.
const CANONICAL_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function twoDigits(value: string, at: number): number {
  return (value.charCodeAt(at) - 48) * 10 + value.charCodeAt(at + 1) - 48;
}

/** Already UTC ISO 8601 with milliseconds, and a real calendar date and time of day. */
function isCanonical(value: string): boolean {
  if (value.length !== 24 || !CANONICAL_PATTERN.test(value)) return false;
  const year = twoDigits(value, 0) * 100 + twoDigits(value, 2);
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = (DAYS_IN_MONTH[month - 1] ?? 0) + (leap ? 1 : 0);
  return day >= 1 && day <= days && twoDigits(value, 11) < 24 && twoDigits(value, 14) < 60 && twoDigits(value, 17) < 60;
}

/** Parses an RFC 3339 timestamp to UTC ISO 8601, or undefined when it is not one. */
export function toUtcTimestamp(value: string): string | undefined {
  // Checked on every record a worker reads: the usual form skips the Date round trip below.
  if (isCanonical(value)) return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  if (!TIMESTAMP_PATTERN.test(value)) return undefined;
  // Date.parse rolls over impossible dates (Feb 30); reject them by comparing the calendar day back.
  const [, y, m, d] = /^(\d{4})-(\d{2})-(\d{2})/.exec(value) ?? [];
  const local = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (local.getUTCMonth() !== Number(m) - 1 || local.getUTCDate() !== Number(d)) return undefined;
  return new Date(ms).toISOString();
}

/**
 * Checks an untrusted value against the envelope and returns the event in canonical form
 * (timestamp normalised to UTC). Throws EventValidationError listing every problem found.
 */
export function validateEvent(input: unknown): ClinicalEvent {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new EventValidationError([{ field: '(event)', rule: 'must be a JSON object' }]);
  }
  const obj = input as JsonObject;
  const errors: FieldError[] = [];

  for (const name of Object.keys(obj)) {
    if (!(ENVELOPE_FIELDS as readonly string[]).includes(name)) {
      errors.push({
        field: NAME_PATTERN.test(name) ? name : '(unnamed field)',
        rule: `is not an envelope field (allowed: ${ENVELOPE_FIELDS.join(', ')})`,
      });
    }
  }

  checkId(obj.event_id, 'event_id', errors);
  checkId(obj.patient_id, 'patient_id', errors);
  if (obj.encounter_id !== null && obj.encounter_id !== undefined) {
    checkId(obj.encounter_id, 'encounter_id', errors);
  }

  if (typeof obj.event_type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(obj.event_type)) {
    errors.push({ field: 'event_type', rule: `must be one of ${EVENT_TYPES.join(', ')}` });
  }

  let timestamp: string | undefined;
  if (typeof obj.event_timestamp !== 'string') {
    errors.push({ field: 'event_timestamp', rule: 'must be a string' });
  } else {
    timestamp = toUtcTimestamp(obj.event_timestamp);
    if (timestamp === undefined) {
      errors.push({ field: 'event_timestamp', rule: 'must be an ISO 8601 date-time with a UTC offset' });
    }
  }

  if (typeof obj.payload !== 'object' || obj.payload === null || Array.isArray(obj.payload)) {
    errors.push({ field: 'payload', rule: 'must be a JSON object' });
  }

  if (errors.length > 0) throw new EventValidationError(errors);
  return {
    event_id: obj.event_id as string,
    event_type: obj.event_type as EventType,
    patient_id: obj.patient_id as string,
    encounter_id: (obj.encounter_id as string | null | undefined) ?? null,
    event_timestamp: timestamp as string,
    payload: obj.payload as JsonObject,
  };
}
