// ./vigil bench [name...] [--runs N] [--scale F] [--profile]: runs the benchmarks (all by default)
// against the broker named by KAFKA_BROKERS, or else a throwaway single-node broker on free ports
// in a temp folder, always stopped and removed afterwards. Prints a table (median, min, max over
// the runs) and writes bench/results/<time>.json and bench/results/latest.json (the latest result of
// each benchmark). Measurements only: nothing here passes or fails on a number.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchContext, Benchmark, Metrics } from './support.ts';

// The runtime logs through pino at import time: keep per-record info lines out of the measurement.
process.env.VIGIL_LOG_LEVEL ??= 'warn';
const { startLocalBroker, stopLocalBroker } = await import('../src/kafka/local-broker.ts');
const { load } = await import('./support.ts');

const BENCHMARKS: Record<string, () => Promise<{ benchmark: Benchmark }>> = {
  'runtime-overhead': () => import('./runtime-overhead.ts'),
  'key-parallel': () => import('./key-parallel.ts'),
  'mllp-gateway': () => import('./mllp-gateway.ts'),
};

const root = resolve(import.meta.dirname, '..');
const resultsDir = join(root, 'bench', 'results');
const say = (line: string) => process.stderr.write(`bench: ${line}\n`);

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '3' },
    scale: { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(`Usage: ./vigil bench [${Object.keys(BENCHMARKS).join('|')} ...] [--runs N] [--scale F] [--profile]
  --runs N     runs of each benchmark (default 3): the table shows median, min and max
  --scale F    multiplies every size (default 1; 0.1 for a quick look)
  --profile    CPU profile of the runtime phase of runtime-overhead and of the concurrency-1024 run of key-parallel (saved in bench/results/)
Uses KAFKA_BROKERS when set; otherwise starts and stops a throwaway local broker.\n`);
  process.exit(0);
}
const names = positionals.length > 0 ? positionals : Object.keys(BENCHMARKS);
const unknown = names.filter((n) => !(n in BENCHMARKS));
const runs = Number(values.runs);
const scale = Number(values.scale);
if (unknown.length > 0 || !Number.isInteger(runs) || runs < 1 || !(scale > 0)) {
  say(unknown.length > 0 ? `unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}` : 'bad --runs or --scale');
  process.exit(64);
}

let brokerDir: string | undefined;
async function cleanup(): Promise<void> {
  const dir = brokerDir;
  brokerDir = undefined;
  if (!dir) return;
  await stopLocalBroker(dir);
  rmSync(dir, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)));

interface RunRecord {
  metrics: Metrics;
  seconds: number;
  /** 1-minute load average before and after the run (the machine has 2 cores). */
  load: [number, number];
}
interface BenchResult {
  date: string;
  scale: number;
  broker: string;
  machine: { cpus: number; cpu: string; memoryGiB: number; node: string };
  runs: RunRecord[];
  summary: Record<string, { median: number; min: number; max: number }>;
}

function summarize(records: RunRecord[]): BenchResult['summary'] {
  const out: BenchResult['summary'] = {};
  for (const key of Object.keys(records[0]?.metrics ?? {})) {
    const xs = records.map((r) => r.metrics[key]).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
    const mid = Math.floor(xs.length / 2);
    const median = xs.length % 2 ? (xs[mid] as number) : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2;
    out[key] = { median, min: xs[0] as number, max: xs[xs.length - 1] as number };
  }
  return out;
}

function table(results: Record<string, BenchResult>): string {
  const rows = [['benchmark', 'metric', 'median', 'min', 'max']];
  for (const [name, r] of Object.entries(results)) {
    for (const [metric, s] of Object.entries(r.summary)) rows.push([name, metric, String(s.median), String(s.min), String(s.max)]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
  return rows.map((row) => row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')).join('\n');
}

let failed = false;
const results: Record<string, BenchResult> = {};
try {
  let bootstrap = process.env.KAFKA_BROKERS?.split(',');
  let broker = `KAFKA_BROKERS=${process.env.KAFKA_BROKERS ?? ''}`;
  if (!bootstrap) {
    brokerDir = mkdtempSync(join(tmpdir(), 'vigil-bench-kafka-'));
    const started = await startLocalBroker({
      root,
      dir: brokerDir,
      libDir: join(root, '.vigil', 'kafka'),
      port: 0,
      controllerPort: 0,
      progress: (line) => say(`broker: ${line}`),
    });
    bootstrap = [started.bootstrap];
    broker = 'local single-node KRaft broker+controller on loopback (throwaway)';
  }
  const ctx: BenchContext = { bootstrap, scale, profile: values.profile, resultsDir, log: say };
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? '?', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  for (const name of names) {
    const { benchmark } = await (BENCHMARKS[name] as () => Promise<{ benchmark: Benchmark }>)();
    const records: RunRecord[] = [];
    for (let i = 1; i <= runs; i++) {
      say(`${name}: run ${i} of ${runs} (load ${load()})`);
      const before = load();
      const t = performance.now();
      try {
        const metrics = await benchmark.run(ctx);
        records.push({ metrics, seconds: Math.round((performance.now() - t) / 1000), load: [before, load()] });
      } catch (err) {
        failed = true;
        say(`${name}: run ${i} failed: ${(err as Error).stack ?? String(err)}`);
      }
    }
    if (records.length > 0) {
      results[name] = { date: new Date().toISOString(), scale, broker, machine, runs: records, summary: summarize(records) };
    }
  }
} catch (err) {
  failed = true;
  say(`benchmarks could not run: ${(err as Error).message}`);
} finally {
  await cleanup();
}

if (Object.keys(results).length > 0) {
  process.stdout.write(`${table(results)}\n`);
  mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(resultsDir, `${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
  // latest.json keeps the newest result of every benchmark, also of those not run this time.
  let latest: Record<string, BenchResult> = {};
  try {
    latest = JSON.parse(readFileSync(join(resultsDir, 'latest.json'), 'utf8')) as Record<string, BenchResult>;
  } catch {
    // first run
  }
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify({ ...latest, ...results }, null, 2)}\n`);
  say(`results written to bench/results/${stamp}.json and bench/results/latest.json`);
}
process.exit(failed ? 1 : 0);
