// Synthetic patients with canary values: strings that must never show up outside a payload.
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
