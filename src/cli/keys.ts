// ./vigil keys rotate and ./vigil forget-patient: the PHI key commands. Both open the store
// (DATABASE_URL, else PGlite in $VIGIL_HOME/store, which one process at a time can open).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { VigilConfig } from '../config.ts';
import { localKeyring } from '../phi/encryption.ts';
import { forgetPatient } from '../phi/forget.ts';
import { rewrapDataKeys } from '../phi/patient-keys.ts';
import { createPseudonymizer, loadPseudonymKey } from '../phi/pseudonym.ts';
import { openStore } from '../store/open.ts';

const USAGE_EXIT = 64;
type Say = (line: string) => void;

export const KEYS_HELP = `Usage: ./vigil keys rotate

Makes a new key-encryption key (KEK) in $VIGIL_HOME/keys/kek, makes it current, and re-wraps every
stored patient data key with it. Records already in Kafka are not rewritten and stay readable:
their data keys are the same, only wrapped differently. Keep the old KEK files until the rotation
has finished (they are what unwraps keys not re-wrapped yet). Opens the store: stop the main job
first unless DATABASE_URL is set.
`;

export const FORGET_HELP = `Usage: ./vigil forget-patient <patient-id> --reason R [--by WHO]
       ./vigil forget-patient --mrn M [--authority A] --reason R [--by WHO]

Crypto-shredding: destroys the patient's data keys, so their events still in Kafka can never be
read again (workers count them in vigil_forgotten_events_total and commit past them, without a
dead-letter record), and deletes their rows from the store (timeline, AI outputs, decisions for
their events, and any other table with a patient_id). Records who did it, when, the pseudonymous
id and the reason in the append-only table patient_forgotten; the MRN is never stored or printed.
The patient is named by pseudonymous patient id (pt-...), or by MRN and assigning authority (the
pseudonym is derived with the site's key). --by defaults to $USER.
Opens the store: stop the main job first unless DATABASE_URL is set (PGlite serves one process).
With a shared Postgres, running workers stop reading the patient within a minute (key cache).
`;

export async function keysCommand(config: VigilConfig, args: string[], say: Say): Promise<number> {
  if (args[0] !== 'rotate' || args.length > 1) {
    process.stderr.write(KEYS_HELP);
    return USAGE_EXIT;
  }
  // The store first: when it is in use, nothing is rotated.
  const db = await openStore(config);
  try {
    const keyring = localKeyring(config);
    const kekId = keyring.rotate();
    const n = await rewrapDataKeys(db, keyring);
    say(`key-encryption key ${kekId} is current; ${n} data key${n === 1 ? '' : 's'} re-wrapped`);
    return 0;
  } finally {
    await db.close();
  }
}

export async function forgetCommand(config: VigilConfig, args: string[], say: Say): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      mrn: { type: 'string' },
      authority: { type: 'string' },
      reason: { type: 'string' },
      by: { type: 'string' },
    },
  });
  const usage = (message: string) => {
    process.stderr.write(`${message}\nsee ./vigil help forget-patient\n`);
    return USAGE_EXIT;
  };
  if (!values.reason?.trim()) return usage('--reason is required (it goes in the audit record)');
  let patientId: string;
  if (values.mrn !== undefined) {
    if (positionals.length > 0) return usage('give either a patient id or --mrn, not both');
    const keys = createPseudonymizer(loadPseudonymKey(join(config.home, 'keys', 'pseudonym.key')));
    patientId = keys.patientKey({ value: values.mrn, authority: values.authority });
  } else {
    if (positionals.length !== 1 || !positionals[0]) return usage('name one patient: a patient id, or --mrn M [--authority A]');
    if (values.authority !== undefined) return usage('--authority goes with --mrn');
    patientId = positionals[0];
  }
  const by = values.by ?? process.env.USER ?? 'unknown';
  const db = await openStore(config);
  try {
    const result = await forgetPatient(db, patientId, by, values.reason.trim());
    const tables = Object.entries(result.tables).map(([t, n]) => `${t} ${n}`).join(', ');
    say(`forgot patient ${patientId}: ${result.keysDestroyed} data key${result.keysDestroyed === 1 ? '' : 's'} destroyed, ${result.rowsDeleted} store rows deleted${tables ? ` (${tables})` : ''}`);
    if (result.keysDestroyed === 0) say('note: no live data key was found for this patient id (nothing sealed for them, or already forgotten)');
    return 0;
  } finally {
    await db.close();
  }
}
