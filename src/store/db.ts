// The store: Postgres. PGlite (in-process Postgres) by default, a Postgres server when a URL is
// given; one set of migrations for both. PGlite serves one process only.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { migrate } from './migrate.ts';

export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** A statement whose rows are not needed: how many it inserted, updated or deleted. */
  run(text: string, params?: unknown[]): Promise<number>;
  /** Several statements at once, no parameters (migrations). */
  exec(text: string): Promise<void>;
}

export interface Database extends Sql {
  readonly kind: 'pglite' | 'postgres';
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://... — a Postgres server. */
  url?: string;
  /** PGlite data folder; omitted: in memory (tests). */
  dataDir?: string;
}

function pgliteDatabase(db: PGlite): Database {
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Sql => ({
    async query<T>(text: string, params?: unknown[]) {
      return (await q.query<T>(text, params)).rows;
    },
    async run(text: string, params?: unknown[]) {
      return (await q.query(text, params)).affectedRows ?? 0;
    },
    async exec(text: string) {
      await q.exec(text);
    },
  });
  return {
    kind: 'pglite',
    ...wrap(db),
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    close: () => db.close(),
  };
}

function postgresDatabase(pool: pg.Pool): Database {
  const wrap = (q: pg.Pool | pg.PoolClient): Sql => ({
    async query<T>(text: string, params?: unknown[]) {
      return (await q.query(text, params)).rows as T[];
    },
    async run(text: string, params?: unknown[]) {
      return (await q.query(text, params)).rowCount ?? 0;
    },
    async exec(text: string) {
      await q.query(text);
    },
  });
  return {
    kind: 'postgres',
    ...wrap(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** Opens the store and brings its schema up to date. */
export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  let db: Database;
  if (opts.url) {
    const pool = new pg.Pool({ connectionString: opts.url, max: 8 });
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on('error', () => {});
    db = postgresDatabase(pool);
  } else {
    if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
    db = pgliteDatabase(await PGlite.create(opts.dataDir));
  }
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
