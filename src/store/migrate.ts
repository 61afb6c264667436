// Applies src/store/migrations/NNN_name.sql in order, each once, in one transaction per file.
// A transaction-scoped advisory lock keeps several processes sharing a server from racing.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './db.ts';

const DIR = join(import.meta.dirname, 'migrations');
const LOCK_ID = 0x76696769; // 'vigi'

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function migrations(): Migration[] {
  return readdirSync(DIR)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f.slice(4, -4), sql: readFileSync(join(DIR, f), 'utf8') }));
}

export async function migrate(db: Database): Promise<number> {
  await db.exec(`CREATE TABLE IF NOT EXISTS vigil_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  let applied = 0;
  for (const m of migrations()) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_ID]);
      const rows = await tx.query('SELECT 1 FROM vigil_migrations WHERE version = $1', [m.version]);
      if (rows.length > 0) return false;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO vigil_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (done) applied++;
  }
  return applied;
}
