// ./vigil simulate: plays the simulated hospital into an MLLP gateway, with progress.
import { parseArgs } from 'node:util';
import type { VigilConfig } from '../config.ts';
import { runSimulation } from '../simulator/run.ts';

/** "90", "90s", "5m", "2h" (seconds when no unit) to milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error('--duration must be a number with an optional unit ms, s, m or h (e.g. 90s, 5m)');
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * factor);
}

function positive(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`--${name} must be a positive number`);
  return n;
}

export async function simulateCommand(config: VigilConfig, args: string[], say: (line: string) => void): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      rate: { type: 'string' },
      duration: { type: 'string' },
      seed: { type: 'string' },
      connections: { type: 'string' },
      canary: { type: 'boolean', default: false },
      host: { type: 'string' },
      port: { type: 'string' },
    },
  });
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    const result = await runSimulation({
      host: values.host ?? (config.mllp.host === '0.0.0.0' ? '127.0.0.1' : config.mllp.host),
      port: positive(values.port, config.mllp.port, 'port'),
      rate: positive(values.rate, 20, 'rate'),
      durationMs: parseDuration(values.duration ?? '60s'),
      seed: values.seed ?? '1',
      connections: positive(values.connections, 4, 'connections'),
      canary: values.canary,
      signal: abort.signal,
      progress: (p) =>
        process.stderr.write(
          `${(p.elapsedMs / 1000).toFixed(0)} s: ${p.generated} generated, AA ${p.acks.AA}, AE ${p.acks.AE}, AR ${p.acks.AR}, ` +
            `${p.inFlight} in flight, ${p.rate.toFixed(1)}/s, simulated time ${p.simulatedTime?.toISOString().slice(0, 16) ?? '-'}\n`,
        ),
    });
    say(
      `simulated ${result.generated} messages in ${(result.elapsedMs / 1000).toFixed(1)} s: ${result.accepted} accepted, ` +
        `${result.rejected} rejected, ${result.failed} failed, ${result.unsent} unsent, ${result.retransmissions} retransmitted`,
    );
    return result.failed + result.unsent + result.rejected > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
  }
}
