// The care-gap detector's store: the patient's state (version, open gaps, wake time), the facts its
// rules read from the patient timeline, the writes of its decisions, and the due rows the sweeper
// fires. State writes carry the whole state and apply only over a lower version.
import type { CareGapFacts } from '../clinical/care-gaps/evaluate.ts';
import type { CareGapRules } from '../clinical/care-gaps/rules.ts';
import type { Observation } from '../event/payloads.ts';
import type { CareGapOutputWrite, CareGapState, CareGapStateWrite, OpenGap } from '../processors/care-gap-detection.ts';
import type { Sql } from './db.ts';
import { recordAiOutputs } from './timeline.ts';

const iso = (v: unknown): string => new Date(v as string).toISOString();

export async function loadCareGapState(db: Sql, patientId: string): Promise<CareGapState> {
  const [row] = await db.query<{ version: string; evaluated_at: string; wake_at: string | null }>(
    'SELECT version::text, evaluated_at, wake_at FROM care_gap_patients WHERE patient_id = $1',
    [patientId],
  );
  if (!row) return { version: 0, gaps: [] };
  const gaps = await db.query<{ gap_id: string; gap_key: string; rule_id: OpenGap['rule_id']; rule_version: number; status: OpenGap['status']; encounter_id: string | null; opened_at: string; due_at: string; explanation: string }>(
    'SELECT gap_id, gap_key, rule_id, rule_version, status, encounter_id, opened_at, due_at, explanation FROM care_gaps WHERE patient_id = $1 ORDER BY opened_at, gap_key',
    [patientId],
  );
  return {
    version: Number(row.version),
    evaluatedAt: iso(row.evaluated_at),
    ...(row.wake_at ? { wakeAt: iso(row.wake_at) } : {}),
    gaps: gaps.map((g) => ({
      gap_id: g.gap_id,
      key: g.gap_key,
      rule_id: g.rule_id,
      rule_version: g.rule_version,
      status: g.status,
      encounter_id: g.encounter_id,
      opened_at: iso(g.opened_at),
      due_at: iso(g.due_at),
      explanation: g.explanation,
    })),
  };
}

/** State versions of several patients (0 when none is stored). */
export async function careGapVersions(db: Sql, patientIds: string[]): Promise<Map<string, number>> {
  const rows = await db.query<{ patient_id: string; version: string }>('SELECT patient_id, version::text FROM care_gap_patients WHERE patient_id = ANY($1::text[])', [patientIds]);
  return new Map(rows.map((r) => [r.patient_id, Number(r.version)]));
}

/** The timeline facts the care-gap rules read, up to `at` (the rules filter by time again). */
export async function loadCareGapFacts(db: Sql, patientId: string, at: string, rules: CareGapRules): Promise<CareGapFacts> {
  const { diabetes, hba1c, medicationReconciliation } = rules.codes;
  const diagnoses = await db.query<{ system: string; code: string; recorded_at: string }>(
    `SELECT system, code, min(recorded_at) AS recorded_at FROM diagnoses
     WHERE patient_id = $1 AND system = $2 AND recorded_at <= $3 AND upper(replace(code, '.', '')) LIKE ANY($4::text[])
     GROUP BY system, code`,
    [patientId, diabetes.system, at, diabetes.prefixes.map((p) => `${p.replace('.', '').toUpperCase()}%`)],
  );
  const tests = await db.query<{ event_id: string; observation: Observation; observed_at: string }>(
    `SELECT event_id, observation, observed_at FROM observations
     WHERE patient_id = $1 AND system = $2 AND code = ANY($3::text[]) AND observed_at <= $4 ORDER BY observed_at DESC LIMIT 50`,
    [patientId, hba1c.system, hba1c.codes, at],
  );
  const encounters = await db.query<{ encounter_id: string; class: string | null; admit_time: string | null; discharge_time: string | null }>(
    `SELECT encounter_id, class, admit_time, discharge_time FROM encounters
     WHERE patient_id = $1 AND (admit_time <= $2 OR discharge_time <= $2) ORDER BY COALESCE(discharge_time, admit_time) DESC LIMIT 200`,
    [patientId, at],
  );
  const orders = await db.query<{ system: string; code: string; ordered_at: string }>(
    `SELECT system, code, ordered_at FROM orders WHERE patient_id = $1 AND ordered_at <= $2 AND (system || '|' || code) = ANY($3::text[])
     ORDER BY ordered_at DESC LIMIT 200`,
    [patientId, at, medicationReconciliation.map((c) => `${c.system}|${c.code}`)],
  );
  return {
    diagnoses: diagnoses.map((d) => ({ system: d.system, code: d.code, recordedAt: iso(d.recorded_at) })),
    hba1c: tests.map((t) => ({
      eventId: t.event_id,
      at: iso(t.observed_at),
      value: t.observation.value,
      ...(t.observation.units !== undefined ? { units: t.observation.units } : {}),
      status: t.observation.status,
    })),
    encounters: encounters.map((e) => ({
      encounterId: e.encounter_id,
      class: e.class,
      ...(e.admit_time ? { admitTime: iso(e.admit_time) } : {}),
      ...(e.discharge_time ? { dischargeTime: iso(e.discharge_time) } : {}),
    })),
    orders: orders.map((o) => ({ system: o.system, code: o.code, at: iso(o.ordered_at) })),
  };
}

/** Applies a care-gap decision's writes (in the decision's store transaction). */
export async function applyCareGapWrites(tx: Sql, processor: string, event: { event_id: string; patient_id: string }, writes: (CareGapStateWrite | CareGapOutputWrite)[]): Promise<void> {
  await recordAiOutputs(tx, processor, event, writes.filter((w): w is CareGapOutputWrite => w.op === 'care_gap_output'));
  for (const s of writes.filter((w): w is CareGapStateWrite => w.op === 'care_gap_state')) {
    // A lower or equal version is an older decision stored late: the newer state stands.
    const applied = await tx.query(
      `INSERT INTO care_gap_patients (patient_id, version, evaluated_at, wake_at, wake_rules) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (patient_id) DO UPDATE SET version = EXCLUDED.version, evaluated_at = EXCLUDED.evaluated_at, wake_at = EXCLUDED.wake_at,
         wake_rules = EXCLUDED.wake_rules, updated_at = now(),
         wake_emitted_at = CASE WHEN care_gap_patients.wake_at IS NOT DISTINCT FROM EXCLUDED.wake_at THEN care_gap_patients.wake_emitted_at END
       WHERE care_gap_patients.version < EXCLUDED.version
       RETURNING 1`,
      [s.patient_id, s.version, s.evaluated_at, s.wake_at, s.wake_rules],
    );
    if (applied.length === 0) continue;
    await tx.query('DELETE FROM care_gaps WHERE patient_id = $1', [s.patient_id]);
    for (const g of s.gaps) {
      await tx.query(
        `INSERT INTO care_gaps (patient_id, gap_id, gap_key, rule_id, rule_version, status, encounter_id, opened_at, due_at, explanation)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [s.patient_id, g.gap_id, g.key, g.rule_id, g.rule_version, g.status, g.encounter_id, g.opened_at, g.due_at, g.explanation],
      );
    }
  }
}

export interface DueWake {
  patientId: string;
  wakeAt: string;
  rules: string[];
}

/** Patients whose wake time has come by `now` and whose due event was not emitted yet, oldest first. */
export async function dueWakes(db: Sql, now: Date, limit: number): Promise<DueWake[]> {
  const rows = await db.query<{ patient_id: string; wake_at: string; wake_rules: string[] }>(
    `SELECT patient_id, wake_at, wake_rules FROM care_gap_patients WHERE wake_at <= $1 AND wake_emitted_at IS NULL ORDER BY wake_at LIMIT $2`,
    [now.toISOString(), limit],
  );
  return rows.map((r) => ({ patientId: r.patient_id, wakeAt: iso(r.wake_at), rules: r.wake_rules }));
}

/** Marks wakes as emitted, each only while its wake time is still the one emitted. */
export async function markWakesEmitted(db: Sql, wakes: DueWake[], now: Date): Promise<void> {
  if (wakes.length === 0) return;
  await db.query(
    `UPDATE care_gap_patients p SET wake_emitted_at = $3 FROM unnest($1::text[], $2::timestamptz[]) AS w(patient_id, wake_at)
     WHERE p.patient_id = w.patient_id AND p.wake_at = w.wake_at`,
    [wakes.map((w) => w.patientId), wakes.map((w) => w.wakeAt), now.toISOString()],
  );
}
