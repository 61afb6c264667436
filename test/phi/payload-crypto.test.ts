// Payload encryption with per-patient data keys: round trip through the wire codec, tamper
// detection, KEK rotation, and crypto-shredding, against a real (in-memory) store.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HEADER, decodeEvent, encodeEvent } from '../../src/event/codec.ts';
import { type ClinicalEvent, EventValidationError, validateEvent } from '../../src/event/envelope.ts';
import { forgetPatient } from '../../src/phi/forget.ts';
import { KeyUnwrapError, LocalKeyring } from '../../src/phi/kek.ts';
import { PatientKeys, rewrapDataKeys } from '../../src/phi/patient-keys.ts';
import { ENC_ALG, PayloadCrypto } from '../../src/phi/payload-crypto.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import { containsCanary, event } from '../support/canary.ts';

const meta = { source: 'urn:vigil:test', receivedTime: '2026-11-26T10:00:00.000Z' };

describe('payload encryption', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-crypto-'));
  let db: Database;
  let keyring: LocalKeyring;
  /** A fresh reader: nothing cached, everything from the store and the KEK files. */
  const reader = () => new PayloadCrypto(new PatientKeys(db, new LocalKeyring(join(dir, 'kek'))));
  let gateway: PayloadCrypto;

  before(async () => {
    db = await openDatabase({});
    keyring = new LocalKeyring(join(dir, 'kek'));
    gateway = new PayloadCrypto(new PatientKeys(db, keyring));
  });
  after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function sealed(overrides: Record<string, unknown> = {}): Promise<{ plain: ClinicalEvent; value: Buffer; headers: Record<string, string> }> {
    const plain = validateEvent(event(overrides));
    const s = await gateway.seal(plain);
    const { value, headers } = encodeEvent(s.event, meta);
    return { plain, value, headers: { ...headers, ...s.headers } };
  }

  async function open(value: Buffer, headers: Record<string, string>, crypto = reader()) {
    return crypto.open(decodeEvent(value, headers).event, headers);
  }

  function refusal(err: unknown): string {
    assert.ok(err instanceof EventValidationError, `expected a refusal, got ${String(err)}`);
    assert.equal(containsCanary(err.message), undefined);
    return err.errors.map((e) => `${e.field} ${e.rule}`).join('; ');
  }

  it('round-trips through the wire codec; the record holds no PHI, only six fields and a sealed payload', async () => {
    const { plain, value, headers } = await sealed();
    assert.equal(containsCanary(value.toString()), undefined);
    assert.equal(containsCanary(JSON.stringify(headers)), undefined);
    const wire = JSON.parse(value.toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(wire), ['event_id', 'event_type', 'patient_id', 'encounter_id', 'event_timestamp', 'payload']);
    assert.deepEqual(Object.keys(wire.payload as object).sort(), ['alg', 'ciphertext', 'iv', 'key_id']);
    assert.equal(headers[HEADER.encAlg], ENC_ALG);
    assert.equal(headers[HEADER.encKey], (wire.payload as { key_id: string }).key_id);
    assert.deepEqual(await open(value, headers), plain);
  });

  it('uses one data key per patient', async () => {
    const a1 = await sealed({ patient_id: 'pt-a' });
    const a2 = await sealed({ patient_id: 'pt-a' });
    const b = await sealed({ patient_id: 'pt-b' });
    assert.equal(a1.headers[HEADER.encKey], a2.headers[HEADER.encKey]);
    assert.notEqual(a1.headers[HEADER.encKey], b.headers[HEADER.encKey]);
    const rows = await db.query<{ wrapped_key: Uint8Array }>("SELECT wrapped_key FROM patient_keys WHERE patient_id = 'pt-a'");
    assert.equal(rows.length, 1);
  });

  it('accepts a plain record without encryption headers, as it is', async () => {
    const plain = validateEvent(event());
    const { value, headers } = encodeEvent(plain, meta);
    assert.deepEqual(await open(value, headers), plain);
  });

  it('refuses a payload moved to another event', async () => {
    const { value, headers } = await sealed({ patient_id: 'pt-move' });
    const moved = JSON.parse(value.toString()) as Record<string, unknown>;
    moved.event_id = 'evt-other';
    const h = { ...headers, [HEADER.id]: 'evt-other' };
    await assert.rejects(open(Buffer.from(JSON.stringify(moved)), h), (err) => /payload must authenticate/.test(refusal(err)));
  });

  it("refuses a payload moved to another patient's event", async () => {
    const { value, headers } = await sealed({ patient_id: 'pt-from' });
    await sealed({ patient_id: 'pt-to' });
    const moved = JSON.parse(value.toString()) as Record<string, unknown>;
    moved.patient_id = 'pt-to';
    await assert.rejects(open(Buffer.from(JSON.stringify(moved)), headers), (err) => /payload.key_id must be the data key of the event's patient/.test(refusal(err)));
  });

  it('refuses a wrong key id: another patient key, an unknown one, or headers that disagree', async () => {
    const mine = await sealed({ patient_id: 'pt-k1' });
    const other = await sealed({ patient_id: 'pt-k2' });
    const otherKey = other.headers[HEADER.encKey] as string;
    const swap = (keyId: string) => {
      const v = JSON.parse(mine.value.toString()) as { payload: { key_id: string } };
      v.payload.key_id = keyId;
      return Buffer.from(JSON.stringify(v));
    };
    await assert.rejects(open(swap(otherKey), { ...mine.headers, [HEADER.encKey]: otherKey }), (err) => /must be the data key of the event's patient/.test(refusal(err)));
    await assert.rejects(open(swap('dk-nope'), { ...mine.headers, [HEADER.encKey]: 'dk-nope' }), (err) => /must name a known data key/.test(refusal(err)));
    await assert.rejects(open(mine.value, { ...mine.headers, [HEADER.encKey]: otherKey }), (err) => /vigil_enc_key must equal payload.key_id/.test(refusal(err)));
    // A sealed payload whose headers were stripped is still recognised, and still checked.
    const stripped = { ...mine.headers };
    delete stripped[HEADER.encAlg];
    await assert.rejects(open(mine.value, stripped), (err) => /vigil_enc_alg/.test(refusal(err)));
  });

  it('refuses a flipped ciphertext bit', async () => {
    const { value, headers } = await sealed();
    const v = JSON.parse(value.toString()) as { payload: { ciphertext: string } };
    const ct = Buffer.from(v.payload.ciphertext, 'base64');
    ct[0] = (ct[0] as number) ^ 1;
    v.payload.ciphertext = ct.toString('base64');
    await assert.rejects(open(Buffer.from(JSON.stringify(v)), headers), (err) => /payload must authenticate/.test(refusal(err)));
  });

  it('binds a wrapped data key to its patient: a key row moved to another patient does not unwrap', async () => {
    const ring = new LocalKeyring(join(dir, 'kek'));
    const wrapped = await ring.wrap(Buffer.alloc(32, 1), 'pt-owner');
    assert.deepEqual(await ring.unwrap(wrapped, 'pt-owner'), Buffer.alloc(32, 1));
    await assert.rejects(ring.unwrap(wrapped, 'pt-thief'), KeyUnwrapError);
  });

  it('keeps old records readable across a KEK rotation, which re-wraps the data keys', async () => {
    const before = await sealed({ patient_id: 'pt-rotate' });
    const oldKek = await keyring.currentKeyId();
    const newKek = new LocalKeyring(join(dir, 'kek')).rotate();
    assert.notEqual(newKek, oldKek);
    assert.ok((await rewrapDataKeys(db, keyring)) >= 1);
    const kekIds = await db.query<{ kek_id: string }>('SELECT DISTINCT kek_id FROM patient_keys WHERE destroyed_at IS NULL');
    assert.deepEqual(kekIds.map((r) => r.kek_id), [newKek]);
    assert.deepEqual(await open(before.value, before.headers), before.plain);
    // New data keys are wrapped by the new KEK.
    await sealed({ patient_id: 'pt-after-rotation' });
    const [row] = await db.query<{ kek_id: string }>("SELECT kek_id FROM patient_keys WHERE patient_id = 'pt-after-rotation'");
    assert.equal(row?.kek_id, newKek);
    assert.deepEqual(readdirSync(join(dir, 'kek')).sort(), [`${oldKek}.key`, `${newKek}.key`]);
  });

  it('forgetting a patient makes their records unreadable (forgotten, not refused) and deletes their rows', async () => {
    const gone = await sealed({ patient_id: 'pt-gone', encounter_id: 'enc-gone' });
    const kept = await sealed({ patient_id: 'pt-kept' });
    await db.query("INSERT INTO timeline_events (event_id, patient_id, encounter_id, event_type, event_time) VALUES ($1, 'pt-gone', 'enc-gone', 'admission', now()), ($2, 'pt-kept', null, 'admission', now())", [gone.plain.event_id, kept.plain.event_id]);
    await db.query("INSERT INTO encounter_locations (encounter_id, event_id, location, since) VALUES ('enc-gone', $1, '{}', now())", [gone.plain.event_id]);
    await db.query("INSERT INTO effects (processor, event_id, outputs) VALUES ('g', $1, '{}'), ('g', $2, '{}')", [gone.plain.event_id, kept.plain.event_id]);
    const result = await forgetPatient(db, 'pt-gone', 'tester', 'patient request');
    assert.equal(result.keysDestroyed, 1);
    assert.deepEqual(result.tables, { effects: 1, encounter_locations: 1, timeline_events: 1 });

    assert.equal(await open(gone.value, gone.headers), undefined);
    assert.deepEqual(await open(kept.value, kept.headers), kept.plain);
    assert.deepEqual((await db.query('SELECT event_id FROM effects')).map((r) => r.event_id), [kept.plain.event_id]);
    const [audit] = await db.query<Record<string, unknown>>('SELECT patient_id, forgotten_by, reason, keys_destroyed FROM patient_forgotten');
    assert.deepEqual(audit, { patient_id: 'pt-gone', forgotten_by: 'tester', reason: 'patient request', keys_destroyed: 1 });
    await assert.rejects(db.query('DELETE FROM patient_forgotten'), /append-only/);

    // The same patient coming back gets a new key; the forgotten records stay unreadable. (A new
    // gateway: a running one keeps keys in memory for up to a minute.)
    gateway = reader();
    const back = await sealed({ patient_id: 'pt-gone' });
    assert.notEqual(back.headers[HEADER.encKey], gone.headers[HEADER.encKey]);
    assert.deepEqual(await open(back.value, back.headers), back.plain);
    assert.equal(await open(gone.value, gone.headers), undefined);
  });
});
