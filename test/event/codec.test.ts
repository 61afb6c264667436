import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HEADER, SCHEMA_VERSION, decodeEvent, encodeEvent } from '../../src/event/codec.ts';
import { ENVELOPE_FIELDS, EVENT_TYPES, EventValidationError, validateEvent } from '../../src/event/envelope.ts';
import { containsCanary, CANARY, event } from '../support/canary.ts';

const meta = { source: 'urn:vigil:test', receivedTime: '2026-11-26T13:31:00.000Z' };

function validationErrors(fn: () => unknown): EventValidationError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof EventValidationError, `expected EventValidationError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a validation error');
}

describe('event codec', () => {
  it('round-trips every event type through value bytes and ce_* headers', () => {
    for (const type of EVENT_TYPES) {
      const input = validateEvent(event({ event_type: type }));
      const { value, headers } = encodeEvent(input, meta);
      const decoded = decodeEvent(value, headers);
      assert.deepEqual(decoded.event, input);
      assert.equal(decoded.meta.source, meta.source);
      assert.equal(decoded.meta.receivedTime, meta.receivedTime);
      assert.equal(decoded.meta.schemaVersion, SCHEMA_VERSION);
    }
  });

  it('writes a value that is a plain JSON object with exactly the six envelope fields', () => {
    const { value } = encodeEvent(validateEvent(event()), meta);
    const plain = JSON.parse(value.toString('utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(plain), [...ENVELOPE_FIELDS]);
    assert.equal(typeof plain.payload, 'object');
  });

  it('puts CloudEvents binary-binding metadata, including the schema version, in headers', () => {
    const input = validateEvent(event({ event_id: 'evt-42', event_type: 'lab_result' }));
    const { headers } = encodeEvent(input, { ...meta, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    assert.deepEqual(headers, {
      ce_specversion: '1.0',
      ce_id: 'evt-42',
      ce_type: 'vigil.clinical.lab_result',
      ce_source: 'urn:vigil:test',
      ce_time: '2026-11-26T13:30:00.000Z',
      ce_schemaversion: SCHEMA_VERSION,
      ce_receivedtime: meta.receivedTime,
      ce_traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'content-type': 'application/json',
    });
    for (const v of Object.values(headers)) assert.equal(containsCanary(v), undefined);
  });

  it('normalises timestamps to UTC and a missing encounter to null', () => {
    const e = validateEvent(event({ event_timestamp: '2026-03-01T01:15:30.5+05:30', encounter_id: undefined }));
    assert.equal(e.event_timestamp, '2026-02-28T19:45:30.500Z');
    assert.equal(e.encounter_id, null);
  });

  it('encodes identical events to identical bytes (retransmits are byte-equal)', () => {
    const a = validateEvent(event({ event_id: 'same' }));
    assert.deepEqual(encodeEvent(a, meta).value, encodeEvent({ ...a }, meta).value);
  });
});

describe('event validation', () => {
  it('names each bad field and its rule, and never a value from the input', () => {
    const err = validationErrors(() =>
      validateEvent({
        event_id: '',
        event_type: CANARY.name,
        patient_id: `${CANARY.mrn} with spaces`,
        encounter_id: 42,
        event_timestamp: CANARY.dob,
        payload: CANARY.note,
        [CANARY.note]: 1,
        nickname: CANARY.name,
      }),
    );
    const fields = err.errors.map((e) => e.field).sort();
    assert.deepEqual(fields, ['(unnamed field)', 'encounter_id', 'event_id', 'event_timestamp', 'event_type', 'nickname', 'patient_id', 'payload']);
    assert.equal(containsCanary(err.message), undefined);
    assert.equal(containsCanary(JSON.stringify(err.errors)), undefined);
    for (const e of err.errors) assert.ok(e.rule.length > 0);
  });

  it('rejects non-objects, impossible dates and timestamps without an offset', () => {
    assert.equal(validationErrors(() => validateEvent([event()])).errors[0]?.field, '(event)');
    assert.equal(validationErrors(() => validateEvent(null)).errors[0]?.field, '(event)');
    for (const ts of ['2026-02-30T10:00:00Z', '2026-02-30T10:00:00.000Z', '2026-11-26T10:00:00', '26/11/2026', '2026-11-26']) {
      const err = validationErrors(() => validateEvent(event({ event_timestamp: ts })));
      assert.deepEqual(err.errors.map((e) => e.field), ['event_timestamp'], ts);
    }
  });

  it('accepts the seed event types and nothing else', () => {
    for (const type of ['admission', 'transfer', 'discharge', 'registration_update', 'lab_result', 'order', 'medication_order']) {
      assert.equal(validateEvent(event({ event_type: type })).event_type, type);
    }
    assert.equal(validationErrors(() => validateEvent(event({ event_type: 'Admission' }))).errors[0]?.field, 'event_type');
  });
});

describe('event decoding', () => {
  it('reads records of plain producers that send no ce_* headers', () => {
    const plain = Buffer.from(JSON.stringify(event({ event_id: 'plain-1' })));
    assert.equal(decodeEvent(plain).event.event_id, 'plain-1');
  });

  it('refuses bytes that are not JSON without quoting them', () => {
    const err = validationErrors(() => decodeEvent(Buffer.from(`{"event_id": ${CANARY.mrn}`)));
    assert.deepEqual(err.errors, [{ field: '(value)', rule: 'must be UTF-8 JSON' }]);
    assert.equal(containsCanary(err.message), undefined);
    assert.equal(validationErrors(() => decodeEvent(Buffer.alloc(0))).errors[0]?.field, '(value)');
  });

  it('refuses unknown schema versions and headers that contradict the envelope', () => {
    const { value, headers } = encodeEvent(validateEvent(event({ event_id: 'x-1' })), meta);
    assert.equal(validationErrors(() => decodeEvent(value, { ...headers, [HEADER.schemaVersion]: '99' })).errors[0]?.field, HEADER.schemaVersion);
    assert.equal(validationErrors(() => decodeEvent(value, { ...headers, [HEADER.id]: 'x-2' })).errors[0]?.field, HEADER.id);
    assert.equal(validationErrors(() => decodeEvent(value, { ...headers, [HEADER.type]: 'vigil.clinical.order' })).errors[0]?.field, HEADER.type);
    assert.equal(validationErrors(() => decodeEvent(value, { ...headers, [HEADER.specVersion]: '0.3' })).errors[0]?.field, HEADER.specVersion);
  });

  it('reads headers from a Map (a consumer record) as from an object', () => {
    const { value, headers } = encodeEvent(validateEvent(event({ event_id: 'm-1' })), meta);
    const map = new Map(Object.entries(headers));
    assert.deepEqual(decodeEvent(value, map), decodeEvent(value, headers));
    map.set(HEADER.id, 'm-2');
    assert.equal(validationErrors(() => decodeEvent(value, map)).errors[0]?.field, HEADER.id);
  });
});

describe('timestamps', () => {
  it('keeps a canonical timestamp exactly when Date would give it back unchanged', () => {
    // Digits drawn over and past each field's range: impossible days, hours, minutes and seconds.
    let seed = 11;
    const draw = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    for (let i = 0; i < 20_000; i++) {
      const ts = `${pad(1896 + draw(210), 4)}-${pad(draw(14))}-${pad(draw(33))}T${pad(draw(26))}:${pad(draw(62))}:${pad(draw(62))}.${pad(draw(1000), 3)}Z`;
      const ms = Date.parse(ts);
      const roundTrips = !Number.isNaN(ms) && new Date(ms).toISOString() === ts;
      const out = validationErrorsOrEvent(ts);
      assert.equal(out === ts, roundTrips, ts);
    }
  });
});

function validationErrorsOrEvent(ts: string): string | undefined {
  try {
    return validateEvent(event({ event_timestamp: ts })).event_timestamp;
  } catch (err) {
    if (err instanceof EventValidationError) return undefined;
    throw err;
  }
}
