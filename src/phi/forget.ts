// Forgetting a patient (crypto-shredding): their data keys are destroyed, so their events still in
// Kafka can never be opened again, and their rows are deleted from the store, in one transaction,
// with an audit row (who, when, pseudonymous id, why; never the MRN).
// The store's tables are found by their columns rather than listed here, so tables added later
// (by other migrations) that carry patient_id are included without touching this file.
import type { Database, Sql } from '../store/db.ts';
import { appendAudit } from '../store/audit-log.ts';
import { destroyPatientKeys } from './patient-keys.ts';

/** Kept: the key tombstones (forgotten records are recognised by them) and the audit trails. */
const KEPT = new Set(['patient_keys', 'patient_forgotten', 'audit_log', 'audit_relay', 'vigil_migrations']);

export interface ForgetResult {
  keysDestroyed: number;
  rowsDeleted: number;
  /** Rows per table (table names only). */
  tables: Record<string, number>;
}

async function columnsByTable(tx: Sql): Promise<Map<string, Set<string>>> {
  const rows = await tx.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
       AND c.column_name IN ('patient_id', 'event_id', 'encounter_id')`,
  );
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    if (KEPT.has(r.table_name)) continue;
    const set = out.get(r.table_name) ?? new Set<string>();
    set.add(r.column_name);
    out.set(r.table_name, set);
  }
  return out;
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export async function forgetPatient(db: Database, patientId: string, by: string, reason: string): Promise<ForgetResult> {
  return db.transaction(async (tx) => {
    const tables = await columnsByTable(tx);
    // Their events and encounters first, from every table that links them to the patient.
    const events = new Set<string>();
    const encounters = new Set<string>();
    for (const [table, cols] of tables) {
      if (!cols.has('patient_id')) continue;
      if (cols.has('event_id')) for (const r of await tx.query<{ id: string }>(`SELECT DISTINCT event_id AS id FROM ${ident(table)} WHERE patient_id = $1`, [patientId])) events.add(r.id);
      if (cols.has('encounter_id')) {
        for (const r of await tx.query<{ id: string | null }>(`SELECT DISTINCT encounter_id AS id FROM ${ident(table)} WHERE patient_id = $1`, [patientId])) if (r.id) encounters.add(r.id);
      }
    }
    const counts: Record<string, number> = {};
    const note = (table: string, n: number) => {
      if (n > 0) counts[table] = (counts[table] ?? 0) + n;
    };
    const eventIds = [...events];
    const encounterIds = [...encounters];
    for (const [table, cols] of tables) {
      const t = ident(table);
      if (cols.has('patient_id')) note(table, (await tx.query(`DELETE FROM ${t} WHERE patient_id = $1 RETURNING 1`, [patientId])).length);
      // Rows linked only by event (effects: decisions and their outputs) or by encounter.
      if (cols.has('event_id') && eventIds.length > 0) note(table, (await tx.query(`DELETE FROM ${t} WHERE event_id = ANY($1::text[]) RETURNING 1`, [eventIds])).length);
      if (cols.has('encounter_id') && encounterIds.length > 0) note(table, (await tx.query(`DELETE FROM ${t} WHERE encounter_id = ANY($1::text[]) RETURNING 1`, [encounterIds])).length);
    }
    const keysDestroyed = await destroyPatientKeys(tx, patientId);
    const rowsDeleted = Object.values(counts).reduce((a, b) => a + b, 0);
    await tx.query('INSERT INTO patient_forgotten (patient_id, forgotten_by, reason, keys_destroyed, rows_deleted) VALUES ($1, $2, $3, $4, $5)', [
      patientId,
      by,
      reason,
      keysDestroyed,
      rowsDeleted,
    ]);
    // Also in the audit log every other action goes to (and from there to the audit topic).
    await appendAudit(tx, { actor: by, action: 'patient.forget', target: patientId, reason });
    return { keysDestroyed, rowsDeleted, tables: counts };
  });
}
