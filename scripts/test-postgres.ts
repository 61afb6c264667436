// A throwaway Postgres server for tests with several worker processes (PGlite serves one process):
// Debian's postgresql package (see debian.ts), a fresh cluster in a temp folder,
// listening on a free loopback port, trust auth. Root may not run Postgres: then it runs as the
// package's `postgres` user.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/kafka/local-broker.ts';
import { TEST_PACKAGES, ensureDebianPackages } from './debian.ts';

export interface TestPostgres {
  url: string;
  dir: string;
}

function run(cmd: string, args: string[], asUser?: string): { status: number | null; out: string } {
  const full = asUser ? ['runuser', ['-u', asUser, '--', cmd, ...args]] as const : ([cmd, args] as const);
  const r = spawnSync(full[0], [...full[1]], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function binDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

export async function startTestPostgres(progress: (l: string) => void): Promise<TestPostgres> {
  let bin = binDir();
  if (!bin) {
    ensureDebianPackages(TEST_PACKAGES.filter((p) => p.name === 'postgresql'), progress);
    bin = binDir();
    if (!bin) throw new Error('postgresql installed but initdb not found under /usr/lib/postgresql');
  }
  const asUser = process.getuid?.() === 0 ? 'postgres' : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-test-pg-'));
  chmodSync(dir, 0o700);
  if (asUser) {
    const id = spawnSync('id', ['-u', asUser], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', asUser], { encoding: 'utf8' });
    chownSync(dir, Number(id.stdout.trim()), Number(gid.stdout.trim()));
  }
  const data = join(dir, 'data');
  const init = run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'], asUser);
  if (init.status !== 0) throw new Error(`initdb failed:\n${init.out}`);
  const port = await freePort();
  const opts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=200`;
  const start = run(join(bin, 'pg_ctl'), ['-D', data, '-o', opts, '-l', join(dir, 'server.log'), '-w', 'start'], asUser);
  if (start.status !== 0) throw new Error(`pg_ctl start failed:\n${start.out}`);
  progress(`Postgres ${bin.split('/').at(-2)} on 127.0.0.1:${port}`);
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir };
}

export function stopTestPostgres(pg: TestPostgres): void {
  const bin = binDir();
  if (bin) run(join(bin, 'pg_ctl'), ['-D', join(pg.dir, 'data'), '-m', 'fast', '-w', 'stop'], process.getuid?.() === 0 ? 'postgres' : undefined);
  rmSync(pg.dir, { recursive: true, force: true });
}
