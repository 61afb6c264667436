// The patient timeline in the store: applying the projection's rows, and reading a patient's
// history for processors. Every statement is idempotent on the event id (re-projection is safe).
import type { JsonObject } from '../event/envelope.ts';
import type { Coverage, Diagnosis, Observation } from '../event/payloads.ts';
import type { CoverageEntry, EncounterEntry, MedicationEntry, PastDecision, PastObservation, PatientHistory } from '../processors/history.ts';
import type { Sql } from './db.ts';

const STATEMENTS: Record<string, { sql: string; params: string[] }> = {
  event: {
    sql: `INSERT INTO timeline_events (event_id, patient_id, encounter_id, event_type, event_time) VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT (event_id) DO NOTHING`,
    params: ['event_id', 'patient_id', 'encounter_id', 'event_type', 'at'],
  },
  encounter: {
    // Later events win, earlier ones (arriving late) only fill gaps.
    sql: `INSERT INTO encounters (encounter_id, patient_id, class, status, admit_time, discharge_time, admission_type, last_event_time)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
          ON CONFLICT (encounter_id) DO UPDATE SET
            class = CASE WHEN EXCLUDED.last_event_time >= encounters.last_event_time THEN COALESCE(EXCLUDED.class, encounters.class) ELSE COALESCE(encounters.class, EXCLUDED.class) END,
            status = CASE WHEN encounters.status = 'discharged' OR EXCLUDED.status = 'discharged' THEN 'discharged' ELSE EXCLUDED.status END,
            admit_time = COALESCE(encounters.admit_time, EXCLUDED.admit_time),
            discharge_time = COALESCE(EXCLUDED.discharge_time, encounters.discharge_time),
            admission_type = COALESCE(encounters.admission_type, EXCLUDED.admission_type),
            last_event_time = GREATEST(encounters.last_event_time, EXCLUDED.last_event_time)`,
    params: ['encounter_id', 'patient_id', 'class', 'status', 'admit_time', 'discharge_time', 'admission_type', 'at'],
  },
  patient: {
    sql: `INSERT INTO patients (patient_id, birth_date, sex, updated_at) VALUES ($1, $2, $3, $4)
          ON CONFLICT (patient_id) DO UPDATE SET
            birth_date = CASE WHEN EXCLUDED.updated_at >= patients.updated_at THEN COALESCE(EXCLUDED.birth_date, patients.birth_date) ELSE patients.birth_date END,
            sex = CASE WHEN EXCLUDED.updated_at >= patients.updated_at THEN COALESCE(EXCLUDED.sex, patients.sex) ELSE patients.sex END,
            updated_at = GREATEST(patients.updated_at, EXCLUDED.updated_at)`,
    params: ['patient_id', 'birth_date', 'sex', 'at'],
  },
  location: {
    sql: `INSERT INTO encounter_locations (encounter_id, event_id, location, since) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    params: ['encounter_id', 'event_id', 'location', 'at'],
  },
  diagnosis: {
    sql: `INSERT INTO diagnoses (patient_id, encounter_id, event_id, system, code, display, type, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
          ON CONFLICT DO NOTHING`,
    params: ['patient_id', 'encounter_id', 'event_id', 'system', 'code', 'display', 'type', 'at'],
  },
  coverage: {
    sql: `INSERT INTO coverage (patient_id, event_id, seq, coverage, recorded_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    params: ['patient_id', 'event_id', 'seq', 'coverage', 'at'],
  },
  observation: {
    sql: `INSERT INTO observations (patient_id, encounter_id, event_id, seq, system, code, observation, value_num, observed_at, placer_number)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
    params: ['patient_id', 'encounter_id', 'event_id', 'seq', 'system', 'code', 'observation', 'value_num', 'at', 'placer_number'],
  },
  order: {
    sql: `INSERT INTO orders (patient_id, encounter_id, event_id, placer_number, control, system, code, ordered_at, display) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
          ON CONFLICT DO NOTHING`,
    params: ['patient_id', 'encounter_id', 'event_id', 'placer_number', 'control', 'system', 'code', 'at', 'display'],
  },
  medication: {
    sql: `INSERT INTO medications (patient_id, encounter_id, event_id, placer_number, system, code, display, started_at, ended_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
    params: ['patient_id', 'encounter_id', 'event_id', 'placer_number', 'system', 'code', 'display', 'at', 'ended_at'],
  },
  medication_end: {
    // By placer order number when the stop names one, else every active order of that drug.
    sql: `UPDATE medications SET ended_at = $5 WHERE patient_id = $1 AND ended_at IS NULL
          AND (($2::text IS NOT NULL AND placer_number = $2) OR ($2::text IS NULL AND system = $3 AND code = $4))`,
    params: ['patient_id', 'placer_number', 'system', 'code', 'at'],
  },
  medications_end_encounter: {
    sql: `UPDATE medications SET ended_at = $3 WHERE patient_id = $1 AND encounter_id = $2 AND ended_at IS NULL`,
    params: ['patient_id', 'encounter_id', 'at'],
  },
};

export async function applyTimelineWrites(tx: Sql, writes: JsonObject[]): Promise<void> {
  for (const w of writes) {
    const statement = STATEMENTS[String(w.op)];
    if (!statement) throw new Error(`unknown timeline write: ${String(w.op)}`);
    await tx.query(
      statement.sql,
      statement.params.map((name) => {
        const v = w[name];
        return v !== null && typeof v === 'object' ? JSON.stringify(v) : (v ?? null);
      }),
    );
  }
}

/** An AI output to remember per patient (alerts, findings), written with its decision. */
export interface AiOutputRow {
  output_id: string;
  rule_id: string;
  fingerprint?: string;
  at: string;
  record: JsonObject;
}

export async function recordAiOutputs(tx: Sql, processor: string, event: { event_id: string; patient_id: string }, rows: AiOutputRow[]): Promise<void> {
  for (const r of rows) {
    await tx.query(
      `INSERT INTO ai_outputs (processor, output_id, patient_id, event_id, rule_id, fingerprint, at, record) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT DO NOTHING`,
      [processor, r.output_id, event.patient_id, event.event_id, r.rule_id, r.fingerprint ?? null, r.at, JSON.stringify(r.record)],
    );
  }
}

export interface HistoryOptions {
  /** How far back observations and decisions go. */
  days?: number;
  /** Whose earlier decisions to include. */
  processor?: string;
}

const iso = (v: unknown): string => new Date(v as string).toISOString();

/** The patient's history as of `at` (the event time), for a processor. */
export async function loadHistory(db: Sql, patientId: string, at: string, opts: HistoryOptions = {}): Promise<PatientHistory> {
  const since = new Date(Date.parse(at) - (opts.days ?? 30) * 86_400_000).toISOString();
  const observations = await db.query<{ event_id: string; encounter_id: string | null; observation: Observation; observed_at: string }>(
    `SELECT event_id, encounter_id, observation, observed_at FROM observations
     WHERE patient_id = $1 AND observed_at >= $2 AND observed_at <= $3 ORDER BY observed_at DESC, event_id, seq LIMIT 2000`,
    [patientId, since, at],
  );
  const meds = await db.query<{ event_id: string; encounter_id: string | null; system: string; code: string; display: string | null; started_at: string; ended_at: string | null }>(
    `SELECT event_id, encounter_id, system, code, display, started_at, ended_at FROM medications
     WHERE patient_id = $1 AND started_at <= $2 AND (ended_at IS NULL OR ended_at > $2) ORDER BY started_at`,
    [patientId, at],
  );
  const diagnoses = await db.query<{ system: string; code: string; display: string | null; type: string | null; recorded_at: string }>(
    `SELECT DISTINCT ON (system, code) system, code, display, type, recorded_at FROM diagnoses WHERE patient_id = $1 AND recorded_at <= $2 ORDER BY system, code, recorded_at`,
    [patientId, at],
  );
  const [person] = await db.query<{ birth_date: string | null; sex: PatientHistory['sex'] | null }>('SELECT birth_date::text, sex FROM patients WHERE patient_id = $1', [patientId]);
  const decisions = opts.processor
    ? await db.query<{ rule_id: string; at: string; fingerprint: string | null }>(
        `SELECT rule_id, at, fingerprint FROM ai_outputs WHERE processor = $1 AND patient_id = $2 AND at >= $3 ORDER BY at DESC LIMIT 500`,
        [opts.processor, patientId, since],
      )
    : [];
  const encounters = await db.query<{ encounter_id: string; class: string | null; status: string; admit_time: string | null; discharge_time: string | null; admission_type: string | null }>(
    `SELECT encounter_id, class, status, admit_time, discharge_time, admission_type FROM encounters
     WHERE patient_id = $1 AND COALESCE(admit_time, last_event_time) <= $2 AND last_event_time >= $3
     ORDER BY COALESCE(admit_time, last_event_time) DESC LIMIT 200`,
    [patientId, at, new Date(Date.parse(at) - 366 * 86_400_000).toISOString()],
  );
  // IN1 lists every plan each time: the latest event's list is the patient's coverage.
  const coverage = await db.query<{ event_id: string; coverage: Coverage; recorded_at: string }>(
    `SELECT event_id, coverage, recorded_at FROM coverage WHERE patient_id = $1 AND event_id = (
       SELECT event_id FROM coverage WHERE patient_id = $1 AND recorded_at <= $2 ORDER BY recorded_at DESC, event_id LIMIT 1)
     ORDER BY seq`,
    [patientId, at],
  );
  return {
    patientId,
    ...(person?.birth_date ? { age: ageAt(person.birth_date, at) } : {}),
    ...(person?.sex ? { sex: person.sex } : {}),
    observations: observations.map((o): PastObservation => ({ ...o.observation, observedAt: o.observation.observedAt ?? iso(o.observed_at), eventId: o.event_id, encounterId: o.encounter_id })),
    activeMedications: meds.map((m): MedicationEntry => ({
      eventId: m.event_id,
      encounterId: m.encounter_id,
      medication: { system: m.system, code: m.code, ...(m.display ? { display: m.display } : {}) },
      start: iso(m.started_at),
      ...(m.ended_at ? { end: iso(m.ended_at) } : {}),
    })),
    diagnoses: diagnoses.map((d): Diagnosis => ({ code: { system: d.system, code: d.code, ...(d.display ? { display: d.display } : {}) }, ...(d.type ? { type: d.type } : {}), recordedAt: iso(d.recorded_at) })),
    decisions: decisions.map((d): PastDecision => ({ ruleId: d.rule_id, at: iso(d.at), ...(d.fingerprint ? { fingerprint: d.fingerprint } : {}) })),
    encounters: encounters.map((e): EncounterEntry => ({
      encounterId: e.encounter_id,
      status: e.status,
      ...(e.class ? { class: e.class } : {}),
      ...(e.admit_time ? { admitTime: iso(e.admit_time) } : {}),
      ...(e.discharge_time ? { dischargeTime: iso(e.discharge_time) } : {}),
      ...(e.admission_type ? { admissionType: e.admission_type } : {}),
    })),
    coverage: coverage.map((c): CoverageEntry => ({ ...c.coverage, eventId: c.event_id, recordedAt: iso(c.recorded_at) })),
  };
}

/** Whole years from a birth date (YYYY-MM-DD) to an instant. */
export function ageAt(birthDate: string, at: string): number {
  const [y, m, d] = birthDate.slice(0, 10).split('-').map(Number) as [number, number, number];
  const when = new Date(at);
  let age = when.getUTCFullYear() - y;
  if (when.getUTCMonth() + 1 < m || (when.getUTCMonth() + 1 === m && when.getUTCDate() < d)) age--;
  return age;
}
