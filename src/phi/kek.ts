// Key-encryption keys (KEKs): they wrap the per-patient data keys and never leave their keeper.
// The interface is what a KMS offers (wrap, unwrap, key ids), so a real deployment can put its
// KMS behind it; the default keeper is a folder of local key files, like the pseudonym key.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WrappedKey {
  kekId: string;
  wrapped: Buffer;
}

export interface KeyEncryptionKeys {
  /** Wraps a data key with the current KEK; `context` (the patient id) is bound to it. */
  wrap(dataKey: Buffer, context: string): Promise<WrappedKey>;
  /** Unwraps with the KEK that wrapped it; throws when the KEK is unknown or the context differs. */
  unwrap(key: WrappedKey, context: string): Promise<Buffer>;
  /** The KEK new wraps use. */
  currentKeyId(): Promise<string>;
}

export class UnknownKekError extends Error {
  constructor(kekId: string) {
    super(`key-encryption key ${kekId} is not available`);
    this.name = 'UnknownKekError';
  }
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEK_FILE = /^(kek-\d{4})\.key$/;

function aad(kekId: string, context: string): Buffer {
  return Buffer.from(`vigil-data-key-v1\u0000${kekId}\u0000${context}`);
}

/** AES-256-GCM key wrap: iv | tag | ciphertext. */
export function wrapWith(kek: Buffer, kekId: string, dataKey: Buffer, context: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(aad(kekId, context));
  const ct = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]);
}

/** The KEK of that id does not open the wrapped key: a replaced key file, or a row moved to another patient. */
export class KeyUnwrapError extends Error {
  constructor(kekId: string) {
    super(`a data key did not unwrap with key-encryption key ${kekId}`);
    this.name = 'KeyUnwrapError';
  }
}

export function unwrapWith(kek: Buffer, kekId: string, wrapped: Buffer, context: string): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(0, IV_BYTES));
    decipher.setAAD(aad(kekId, context));
    decipher.setAuthTag(wrapped.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(wrapped.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    throw new KeyUnwrapError(kekId);
  }
}

/**
 * KEKs as files `kek-0001.key`, `kek-0002.key`, ... (base64, 32 bytes, mode 0600) in one folder;
 * the highest number is current. The folder is read again when a KEK id is not known yet, so a
 * rotation by another process (`./vigil keys rotate`) is picked up without a restart.
 */
export class LocalKeyring implements KeyEncryptionKeys {
  readonly #dir: string;
  #keys = new Map<string, Buffer>();

  constructor(dir: string) {
    this.#dir = dir;
    this.#load();
    if (this.#keys.size === 0) this.rotate();
  }

  #load(): void {
    if (!existsSync(this.#dir)) return;
    const keys = new Map<string, Buffer>();
    for (const file of readdirSync(this.#dir).sort()) {
      const m = KEK_FILE.exec(file);
      if (!m?.[1]) continue;
      const key = Buffer.from(readFileSync(join(this.#dir, file), 'utf8').trim(), 'base64');
      if (key.length !== 32) throw new Error(`key-encryption key ${m[1]} must be 32 bytes`);
      keys.set(m[1], key);
    }
    this.#keys = keys;
  }

  #current(): string {
    this.#load();
    const ids = [...this.#keys.keys()].sort();
    const id = ids[ids.length - 1];
    if (!id) throw new Error(`no key-encryption key in ${this.#dir}`);
    return id;
  }

  async currentKeyId(): Promise<string> {
    return this.#current();
  }

  /** Makes a new KEK and makes it current; returns its id. The old ones stay (still readable). */
  rotate(): string {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    this.#load();
    const last = [...this.#keys.keys()].sort().pop();
    const next = `kek-${String((last ? Number(last.slice(4)) : 0) + 1).padStart(4, '0')}`;
    const file = join(this.#dir, `${next}.key`);
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    this.#load();
    return next;
  }

  async wrap(dataKey: Buffer, context: string): Promise<WrappedKey> {
    const kekId = this.#current();
    return { kekId, wrapped: wrapWith(this.#keys.get(kekId) as Buffer, kekId, dataKey, context) };
  }

  async unwrap(key: WrappedKey, context: string): Promise<Buffer> {
    if (!this.#keys.has(key.kekId)) this.#load();
    const kek = this.#keys.get(key.kekId);
    if (!kek) throw new UnknownKekError(key.kekId);
    return unwrapWith(kek, key.kekId, key.wrapped, context);
  }
}
