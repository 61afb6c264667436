// Debian packages the test suite needs (a Postgres server, promtool, Chromium), installed in one
// apt-get run when any is missing. Only root can install; others get the package names to install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface DebianPackage {
  name: string;
  /** True when the package is usable already. */
  present: () => boolean;
}

export function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export const TEST_PACKAGES: DebianPackage[] = [
  { name: 'postgresql', present: () => existsSync('/usr/lib/postgresql') },
  { name: 'prometheus', present: () => onPath('promtool') },
  { name: 'chromium', present: () => onPath('chromium') },
];

export function ensureDebianPackages(packages: DebianPackage[], progress: (line: string) => void): void {
  const missing = packages.filter((p) => !p.present()).map((p) => p.name);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`missing Debian packages; install them first: apt-get install ${missing.join(' ')}`);
  progress(`installing the Debian packages ${missing.join(', ')} (first run only)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-q'], ['install', '-y', '-q', '--no-install-recommends', ...missing]]) {
    const r = spawnSync('apt-get', args, { encoding: 'utf8', env });
    if (r.status !== 0) throw new Error(`apt-get ${args[0]} failed:\n${r.stdout}${r.stderr}`);
  }
}
