// Which store a process opens: the Postgres server in DATABASE_URL when set, else the PGlite
// folder <home>/store. PGlite serves one process and takes no lock of its own (a second process
// would open the same files and corrupt them), so this takes one: a pid file beside the folder.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { VigilConfig } from '../config.ts';
import { type Database, openDatabase } from './db.ts';

export class StoreInUseError extends Error {
  constructor(dir: string, pid: number) {
    super(`the store ${dir} is open in process ${pid} (PGlite serves one process): stop the main job or set DATABASE_URL`);
    this.name = 'StoreInUseError';
  }
}

export interface StoreLocation {
  url?: string;
  dataDir?: string;
}

export function storeLocation(config: VigilConfig, env: NodeJS.ProcessEnv = process.env): StoreLocation {
  return env.DATABASE_URL ? { url: env.DATABASE_URL } : { dataDir: join(config.home, 'store') };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the PGlite folder's lock; returns its release. */
function lockFolder(dir: string): () => void {
  const file = `${dir}.lock`;
  mkdirSync(dirname(file), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) throw new StoreInUseError(dir, holder);
      // Left behind by a process that died: take it over (once; a second loss means a live race).
      if (attempt > 0) throw new StoreInUseError(dir, holder);
      rmSync(file, { force: true });
    }
  }
  return () => {
    try {
      if (readFileSync(file, 'utf8') === String(process.pid)) rmSync(file, { force: true });
    } catch {
      // Already gone.
    }
  };
}

/** Opens the configured store (schema brought up to date); close() also releases the lock. */
export async function openStore(config: VigilConfig, env: NodeJS.ProcessEnv = process.env): Promise<Database> {
  const location = storeLocation(config, env);
  if (!location.dataDir) return openDatabase(location);
  const unlock = lockFolder(location.dataDir);
  let db: Database;
  try {
    db = await openDatabase(location);
  } catch (err) {
    unlock();
    throw err;
  }
  return {
    ...db,
    async close() {
      try {
        await db.close();
      } finally {
        unlock();
      }
    },
  };
}
