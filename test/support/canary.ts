// Synthetic patients with canary values: strings that must never show up outside a payload.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

export const CANARY = {
  name: 'ZZCANARY^PATIENT',
  mrn: 'MRN-CANARY-7731',
  dob: '1931-02-29-CANARY',
  note: 'free text CANARY note',
} as const;

export function containsCanary(text: string): string | undefined {
  return Object.values(CANARY).find((c) => text.includes(c)) ?? (text.includes('CANARY') ? 'CANARY' : undefined);
}

export function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: `evt-${Math.random().toString(36).slice(2)}`,
    event_type: 'admission',
    patient_id: 'P-1000',
    encounter_id: 'ENC-1000',
    event_timestamp: '2026-11-26T08:30:00-05:00',
    payload: { patient: { name: CANARY.name, mrn: CANARY.mrn, birthDate: CANARY.dob }, note: CANARY.note },
    ...overrides,
  };
}

/** Every canary value of the simulator (canary mode) and of CANARY above contains this. */
export const CANARY_MARK = 'CANARY';

export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Files under `dir` holding any of the needles (byte search), relative to `dir`. */
export function filesWithCanary(dir: string, needles: Buffer[]): string[] {
  return filesUnder(dir)
    .filter((file) => {
      const bytes = readFileSync(file);
      return needles.some((n) => bytes.includes(n));
    })
    .map((file) => relative(dir, file));
}
