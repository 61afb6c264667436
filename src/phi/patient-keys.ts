// Per-patient data keys (envelope encryption): one live AES-256 key per pseudonymous patient id,
// stored only wrapped by a KEK (table patient_keys), unwrapped keys cached in memory for a while.
// Destroying a patient's keys (crypto-shredding) makes every record sealed with them unreadable.
import { randomBytes } from 'node:crypto';
import { EventValidationError } from '../event/envelope.ts';
import type { Sql } from '../store/db.ts';
import type { KeyEncryptionKeys } from './kek.ts';

export interface DataKey {
  keyId: string;
  key: Buffer;
}

/** The data key was destroyed: its patient was forgotten. */
export const DESTROYED = Symbol('destroyed');

interface Cached {
  key: Buffer;
  patientId: string;
  at: number;
}

interface KeyRow {
  key_id: string;
  patient_id: string;
  kek_id: string | null;
  wrapped_key: Uint8Array | null;
}

export interface PatientKeysOptions {
  /**
   * How long an unwrapped key is used from memory. A patient forgotten by another process (with a
   * shared Postgres) stops being readable here after at most this long.
   */
  cacheTtlMs?: number;
  cacheMax?: number;
}

export class PatientKeys {
  readonly #db: Sql;
  readonly #keks: KeyEncryptionKeys;
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #byId = new Map<string, Cached>();
  readonly #live = new Map<string, string>();
  /** One creation per patient at a time within this process. */
  readonly #creating = new Map<string, Promise<DataKey>>();

  constructor(db: Sql, keks: KeyEncryptionKeys, opts: PatientKeysOptions = {}) {
    this.#db = db;
    this.#keks = keks;
    this.#ttlMs = opts.cacheTtlMs ?? 60_000;
    this.#max = opts.cacheMax ?? 100_000;
  }

  #cached(keyId: string): Cached | undefined {
    const c = this.#byId.get(keyId);
    if (c && Date.now() - c.at < this.#ttlMs) return c;
    if (c) this.#byId.delete(keyId);
    return undefined;
  }

  #remember(keyId: string, patientId: string, key: Buffer): void {
    if (this.#byId.size >= this.#max) {
      this.#byId.clear();
      this.#live.clear();
    }
    this.#byId.set(keyId, { key, patientId, at: Date.now() });
  }

  /** Drops every unwrapped key from memory (after forgetting a patient in this process). */
  clearCache(): void {
    this.#byId.clear();
    this.#live.clear();
  }

  /** The patient's live data key, made (and stored wrapped) when they have none. */
  async current(patientId: string): Promise<DataKey> {
    const liveId = this.#live.get(patientId);
    const hit = liveId === undefined ? undefined : this.#cached(liveId);
    if (liveId !== undefined && hit) return { keyId: liveId, key: hit.key };
    let pending = this.#creating.get(patientId);
    if (!pending) {
      pending = this.#loadOrCreate(patientId).finally(() => this.#creating.delete(patientId));
      this.#creating.set(patientId, pending);
    }
    return pending;
  }

  async #loadOrCreate(patientId: string): Promise<DataKey> {
    const existing = await this.#db.query<KeyRow>('SELECT key_id, patient_id, kek_id, wrapped_key FROM patient_keys WHERE patient_id = $1 AND destroyed_at IS NULL', [patientId]);
    let row = existing[0];
    if (!row) {
      const key = randomBytes(32);
      const keyId = `dk-${randomBytes(12).toString('base64url')}`;
      const { kekId, wrapped } = await this.#keks.wrap(key, patientId);
      const inserted = await this.#db.query<{ key_id: string }>(
        `INSERT INTO patient_keys (key_id, patient_id, kek_id, wrapped_key) VALUES ($1, $2, $3, $4)
         ON CONFLICT (patient_id) WHERE destroyed_at IS NULL DO NOTHING RETURNING key_id`,
        [keyId, patientId, kekId, wrapped],
      );
      if (inserted.length > 0) {
        this.#remember(keyId, patientId, key);
        this.#live.set(patientId, keyId);
        return { keyId, key };
      }
      // Another process made one first: use theirs.
      row = (await this.#db.query<KeyRow>('SELECT key_id, patient_id, kek_id, wrapped_key FROM patient_keys WHERE patient_id = $1 AND destroyed_at IS NULL', [patientId]))[0];
      if (!row) throw new Error('patient data key vanished while being created');
    }
    const key = await this.#unwrap(row);
    this.#live.set(patientId, row.key_id);
    return { keyId: row.key_id, key };
  }

  async #unwrap(row: KeyRow): Promise<Buffer> {
    const key = await this.#keks.unwrap({ kekId: row.kek_id as string, wrapped: Buffer.from(row.wrapped_key as Uint8Array) }, row.patient_id);
    this.#remember(row.key_id, row.patient_id, key);
    return key;
  }

  /**
   * The data key a record names, for the patient the record is about. DESTROYED when the patient
   * was forgotten; throws EventValidationError for a key id that is unknown or someone else's.
   */
  async byId(keyId: string, patientId: string): Promise<Buffer | typeof DESTROYED> {
    const hit = this.#cached(keyId);
    if (hit) {
      if (hit.patientId !== patientId) throw new EventValidationError([{ field: 'payload.key_id', rule: "must be the data key of the event's patient" }]);
      return hit.key;
    }
    const row = (await this.#db.query<KeyRow>('SELECT key_id, patient_id, kek_id, wrapped_key FROM patient_keys WHERE key_id = $1', [keyId]))[0];
    if (!row) throw new EventValidationError([{ field: 'payload.key_id', rule: 'must name a known data key' }]);
    if (row.patient_id !== patientId) throw new EventValidationError([{ field: 'payload.key_id', rule: "must be the data key of the event's patient" }]);
    if (row.wrapped_key === null) return DESTROYED;
    return this.#unwrap(row);
  }
}

/** Destroys every data key of the patient (keeping tombstones); returns how many were live. */
export async function destroyPatientKeys(tx: Sql, patientId: string): Promise<number> {
  const rows = await tx.query(
    'UPDATE patient_keys SET wrapped_key = NULL, kek_id = NULL, destroyed_at = now() WHERE patient_id = $1 AND destroyed_at IS NULL RETURNING key_id',
    [patientId],
  );
  return rows.length;
}

/**
 * KEK rotation without rewriting the log: every live data key not wrapped by the current KEK is
 * unwrapped and wrapped again with it. The data keys themselves, and so every record, stay as they
 * are. Returns how many were re-wrapped.
 */
export async function rewrapDataKeys(db: Sql, keks: KeyEncryptionKeys): Promise<number> {
  const current = await keks.currentKeyId();
  const rows = await db.query<KeyRow>('SELECT key_id, patient_id, kek_id, wrapped_key FROM patient_keys WHERE destroyed_at IS NULL AND kek_id <> $1', [current]);
  let n = 0;
  for (const row of rows) {
    const key = await keks.unwrap({ kekId: row.kek_id as string, wrapped: Buffer.from(row.wrapped_key as Uint8Array) }, row.patient_id);
    const { kekId, wrapped } = await keks.wrap(key, row.patient_id);
    // Only if it was not destroyed meanwhile.
    const done = await db.query('UPDATE patient_keys SET kek_id = $2, wrapped_key = $3 WHERE key_id = $1 AND destroyed_at IS NULL RETURNING key_id', [row.key_id, kekId, wrapped]);
    n += done.length;
  }
  return n;
}
