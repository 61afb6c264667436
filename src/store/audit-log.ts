// The append-only audit log: who did what to which target, and why. Targets are references (a
// DLQ entry, a group, a key's fingerprint), never PHI; the table refuses updates and deletes.
import type { Sql } from './db.ts';

export interface AuditEntry {
  actor: string;
  action: string;
  target: string;
  reason?: string | null;
}

export interface AuditRow extends AuditEntry {
  id: number;
  at: string;
  reason: string | null;
}

export async function appendAudit(db: Sql, entry: AuditEntry): Promise<void> {
  await db.query('INSERT INTO audit_log (actor, action, target, reason) VALUES ($1, $2, $3, $4)', [entry.actor, entry.action, entry.target, entry.reason ?? null]);
}

/** The newest rows first. */
export async function listAudit(db: Sql, limit = 100): Promise<AuditRow[]> {
  const rows = await db.query<{ id: string; at: Date | string; actor: string; action: string; target: string; reason: string | null }>(
    'SELECT id::text, at, actor, action, target, reason FROM audit_log ORDER BY id DESC LIMIT $1',
    [limit],
  );
  return rows.map((r) => ({ id: Number(r.id), at: new Date(r.at).toISOString(), actor: r.actor, action: r.action, target: r.target, reason: r.reason }));
}
