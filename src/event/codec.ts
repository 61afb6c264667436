// Wire codec. The record value is the six-field envelope as JSON, so a plain consumer can read it;
// metadata travels in headers following the CloudEvents Kafka binary binding (ce_* headers).
import { type ClinicalEvent, EVENT_TYPES, type FieldError, EventValidationError, validateEvent } from './envelope.ts';

export const SPEC_VERSION = '1.0';
/** Version of the envelope schema; readers refuse versions they do not know. */
export const SCHEMA_VERSION = '1';
export const CONTENT_TYPE = 'application/json';
const TYPE_PREFIX = 'vigil.clinical.';

export const HEADER = {
  specVersion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  schemaVersion: 'ce_schemaversion',
  receivedTime: 'ce_receivedtime',
  traceparent: 'ce_traceparent',
  contentType: 'content-type',
  /** Payload encryption (src/phi/payload-crypto.ts): the data key id and the algorithm. */
  encKey: 'vigil_enc_key',
  encAlg: 'vigil_enc_alg',
} as const;

/** Header names and the fixed header values vigil writes: the strings a consumer can intern. */
export const WIRE_HEADER_STRINGS: readonly string[] = [
  ...Object.values(HEADER),
  SPEC_VERSION,
  SCHEMA_VERSION,
  CONTENT_TYPE,
  ...EVENT_TYPES.map((type) => TYPE_PREFIX + type),
];

export interface EventMetadata {
  /** Where the event came from, as a URI reference (e.g. `urn:vigil:intake:http`). */
  source: string;
  /** When vigil received it (UTC ISO 8601): the start of end-to-end latency. */
  receivedTime: string;
  /** W3C trace context, when the sender gave one. */
  traceparent?: string;
  schemaVersion: string;
}

export type Headers = Record<string, string>;

export interface EncodedEvent {
  value: Buffer;
  headers: Headers;
}

export function encodeEvent(event: ClinicalEvent, meta: Omit<EventMetadata, 'schemaVersion'>): EncodedEvent {
  // Field order is fixed so identical events encode to identical bytes.
  const envelope: ClinicalEvent = {
    event_id: event.event_id,
    event_type: event.event_type,
    patient_id: event.patient_id,
    encounter_id: event.encounter_id,
    event_timestamp: event.event_timestamp,
    payload: event.payload,
  };
  const headers: Headers = {
    [HEADER.specVersion]: SPEC_VERSION,
    [HEADER.id]: event.event_id,
    [HEADER.type]: TYPE_PREFIX + event.event_type,
    [HEADER.source]: meta.source,
    [HEADER.time]: event.event_timestamp,
    [HEADER.schemaVersion]: SCHEMA_VERSION,
    [HEADER.receivedTime]: meta.receivedTime,
    [HEADER.contentType]: CONTENT_TYPE,
  };
  if (meta.traceparent) headers[HEADER.traceparent] = meta.traceparent;
  return { value: Buffer.from(JSON.stringify(envelope)), headers };
}

export interface DecodedEvent {
  event: ClinicalEvent;
  meta: Partial<EventMetadata> & { schemaVersion: string };
}

/**
 * Decodes a record. Records from plain producers without ce_* headers are accepted (the envelope
 * alone is enough); headers that are present must agree with it. Throws EventValidationError.
 */
export function decodeEvent(value: Buffer | null | undefined, headers: Headers | ReadonlyMap<string, string> = {}): DecodedEvent {
  // A consumer's records carry their headers as a Map: read them there rather than copy them out.
  const header = headers instanceof Map ? (name: string) => headers.get(name) : (name: string) => (headers as Headers)[name];
  const errors: FieldError[] = [];
  const specVersion = header(HEADER.specVersion);
  if (specVersion !== undefined && specVersion !== SPEC_VERSION) {
    errors.push({ field: HEADER.specVersion, rule: `must be ${SPEC_VERSION}` });
  }
  const schemaVersion = header(HEADER.schemaVersion) ?? SCHEMA_VERSION;
  if (schemaVersion !== SCHEMA_VERSION) {
    errors.push({ field: HEADER.schemaVersion, rule: `must be a known schema version (${SCHEMA_VERSION})` });
  }
  const contentType = header(HEADER.contentType);
  if (contentType !== undefined && !contentType.startsWith(CONTENT_TYPE)) {
    errors.push({ field: HEADER.contentType, rule: `must be ${CONTENT_TYPE}` });
  }
  if (errors.length > 0) throw new EventValidationError(errors);

  if (!value || value.length === 0) {
    throw new EventValidationError([{ field: '(value)', rule: 'must not be empty' }]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    // JSON.parse messages quote the input; say only what rule was broken.
    throw new EventValidationError([{ field: '(value)', rule: 'must be UTF-8 JSON' }]);
  }
  const event = validateEvent(parsed);
  const id = header(HEADER.id);
  if (id !== undefined && id !== event.event_id) {
    errors.push({ field: HEADER.id, rule: 'must equal event_id' });
  }
  const type = header(HEADER.type);
  if (type !== undefined && type !== TYPE_PREFIX + event.event_type) {
    errors.push({ field: HEADER.type, rule: 'must match event_type' });
  }
  if (errors.length > 0) throw new EventValidationError(errors);

  const meta: DecodedEvent['meta'] = { schemaVersion };
  const source = header(HEADER.source);
  const receivedTime = header(HEADER.receivedTime);
  const traceparent = header(HEADER.traceparent);
  if (source !== undefined) meta.source = source;
  if (receivedTime !== undefined) meta.receivedTime = receivedTime;
  if (traceparent !== undefined) meta.traceparent = traceparent;
  return { event, meta };
}
