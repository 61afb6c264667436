// A simulation run: generate hospital traffic, pace it to a wall-clock rate, and send it over MLLP,
// until the duration (or message limit) is reached or the signal aborts; then wait for the last
// ACKs and report the counts. What the CLI's `simulate` command runs.

import type { Seed } from './random.ts';
import { Pacer } from './pacing.ts';
import { createSimulation, type SimulationOptions } from './schedule.ts';
import { MllpSender, type SenderCounts, type SenderProgress } from './sender.ts';

/** A fixed simulated start, so a seed alone reproduces a run (the CLI may pass the current time). */
export const DEFAULT_SIMULATED_START = new Date('2026-01-05T00:00:00Z');

export interface RunOptions {
  host: string;
  port: number;
  /** Messages per second (wall clock); Infinity sends as fast as the receiver acknowledges. */
  rate: number;
  /** Wall-clock length of the run; Infinity with `maxMessages` to stop on a count instead. */
  durationMs: number;
  seed: Seed;
  /** MLLP connections (default 4). */
  connections?: number;
  /** Messages in flight per connection (default 1). */
  window?: number;
  canary?: boolean;
  /** Stop after this many messages. */
  maxMessages?: number;
  /** Simulated time of the first message (default DEFAULT_SIMULATED_START). */
  start?: Date;
  /** Further options of the simulated hospital (units, arrival rates, time zone, ...). */
  hospital?: Omit<SimulationOptions, 'seed' | 'start' | 'canary'>;
  ackTimeoutMs?: number;
  maxRetries?: number;
  /** How long to wait for outstanding ACKs at the end (default 30 s). */
  drainTimeoutMs?: number;
  /** Called about once a second, and once at the end. */
  progress?: (progress: RunProgress) => void;
  signal?: AbortSignal;
}

export interface RunProgress extends SenderProgress {
  generated: number;
  /** Simulated time of the last message generated. */
  simulatedTime: Date | undefined;
}

export interface RunResult extends SenderCounts {
  generated: number;
  elapsedMs: number;
  simulatedTime: Date | undefined;
}

export async function runSimulation(options: RunOptions): Promise<RunResult> {
  if (!Number.isFinite(options.durationMs) && options.maxMessages === undefined) {
    throw new RangeError('a run needs a finite durationMs or a maxMessages limit');
  }
  const simulation = createSimulation({
    ...options.hospital,
    seed: options.seed,
    start: options.start ?? DEFAULT_SIMULATED_START,
    canary: options.canary ?? false,
  });
  const pacer = new Pacer({ rate: options.rate, durationMs: options.durationMs });
  let generated = 0;
  let simulatedTime: Date | undefined;
  const progress = options.progress;
  const sender = new MllpSender({
    host: options.host,
    port: options.port,
    connections: options.connections,
    window: options.window,
    ackTimeoutMs: options.ackTimeoutMs,
    maxRetries: options.maxRetries,
    onProgress: progress ? (p) => progress({ ...p, generated, simulatedTime }) : undefined,
  });
  const signal = options.signal;
  const limit = options.maxMessages ?? Infinity;
  try {
    while (generated < limit && (await pacer.next(signal))) {
      await sender.ready(signal);
      if (signal?.aborted) break;
      const next = simulation.next();
      if (next.done) break;
      generated++;
      simulatedTime = next.value.at;
      // Outcomes are counted by the sender; the loop only feeds it.
      void sender.send(next.value.message, next.value.patientRef, next.value.controlId);
    }
  } finally {
    await sender.close({ drainTimeoutMs: options.drainTimeoutMs });
  }
  const counts = await sender.close();
  return { ...counts, generated, elapsedMs: pacer.elapsed(), simulatedTime };
}
