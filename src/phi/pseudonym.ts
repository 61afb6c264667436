// Pseudonymous keys: patient_id and encounter_id are keyed hashes (HMAC-SHA-256) of the assigning
// authority and the identifier, so records are keyed and partitioned by patient without the MRN
// itself ever becoming a key. Stable for a site key, so per-patient order is unchanged.
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Pseudonymizer {
  patientKey(id: { value: string; authority?: string }): string;
  encounterKey(visitNumber: string, authority?: string): string;
}

export function createPseudonymizer(secret: Buffer): Pseudonymizer {
  if (secret.length < 32) throw new Error('the pseudonym key must be at least 32 bytes');
  // A KeyObject made once: importing a raw Buffer key on every HMAC costs several times the hash.
  const key = createSecretKey(secret);
  const hash = (kind: string, authority: string | undefined, value: string) =>
    createHmac('sha256', key).update(`${kind}\u0000${authority ?? ''}\u0000${value}`).digest('base64url').slice(0, 32);
  return {
    patientKey: (id) => `pt-${hash('patient', id.authority, id.value)}`,
    encounterKey: (visit, authority) => `enc-${hash('encounter', authority, visit)}`,
  };
}

/**
 * The site's pseudonym key: $VIGIL_PSEUDONYM_KEY (base64, 32+ bytes) or a key file made once
 * with mode 0600. Losing it changes every pseudonym, so it belongs in the site's backups.
 */
export function loadPseudonymKey(file: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  if (env.VIGIL_PSEUDONYM_KEY) return Buffer.from(env.VIGIL_PSEUDONYM_KEY, 'base64');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}
