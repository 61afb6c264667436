// A CPU profile of one measured phase (node:inspector, in process), saved for Chrome DevTools and
// summarised as self time by area (Kafka client, PGlite, vigil's src/, Node internals, GC, idle)
// and by function.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join, relative } from 'node:path';
import type { Profiler } from 'node:inspector';

const ROOT = join(import.meta.dirname, '..');

export async function startProfile(): Promise<{ stop(dir: string, name: string): Promise<Profiler.Profile> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(dir, name) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
      return profile;
    },
  };
}

function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : 'native';
  if (url.startsWith('wasm://')) return 'pglite (wasm)';
  if (url.includes('@platformatic/kafka')) return 'kafka client';
  if (url.includes('@electric-sql/pglite')) return 'pglite';
  if (url.includes('/node_modules/')) return `npm:${url.split('/node_modules/').pop()?.split('/')[0] ?? '?'}`;
  if (url.includes('/src/')) return `vigil ${relative(ROOT, new URL(url).pathname).split('/').slice(0, 2).join('/')}`;
  if (url.startsWith('node:')) return 'node internals';
  return 'other';
}

/** Self time by area and the top functions, as lines of text. */
export function profileTop(profile: Profiler.Profile, top = 15): string {
  const total = (profile.endTime - profile.startTime) / 1000;
  const perSample = total / Math.max(1, profile.samples?.length ?? 1);
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const node of profile.nodes) {
    const ms = (node.hitCount ?? 0) * perSample;
    if (ms === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const a = area(url, functionName);
    areas.set(a, (areas.get(a) ?? 0) + ms);
    const where = url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + ms);
  }
  const pct = (ms: number) => `${((100 * ms) / total).toFixed(1).padStart(5)}%`;
  const sorted = (m: Map<string, number>) => [...m].sort((x, y) => y[1] - x[1]);
  return [
    `CPU profile: ${total.toFixed(0)} ms wall; self time by area:`,
    ...sorted(areas).map(([k, ms]) => `  ${pct(ms)}  ${k}`),
    `top ${top} functions by self time:`,
    ...sorted(fns).slice(0, top).map(([k, ms]) => `  ${pct(ms)}  ${k}`),
  ].join('\n');
}
