// The site's payload encryption: KEKs from the local keyring in <home>/keys/kek, data keys in the
// store. One place, so the main job and the key commands use the same keys.
import { join } from 'node:path';
import type { VigilConfig } from '../config.ts';
import type { Sql } from '../store/db.ts';
import { LocalKeyring } from './kek.ts';
import { PatientKeys } from './patient-keys.ts';
import { PayloadCrypto } from './payload-crypto.ts';

export function localKeyring(config: VigilConfig): LocalKeyring {
  return new LocalKeyring(join(config.home, 'keys', 'kek'));
}

export function payloadCrypto(config: VigilConfig, db: Sql): PayloadCrypto {
  return new PayloadCrypto(new PatientKeys(db, localKeyring(config)));
}
