// Wall-clock pacing of a message stream: the n-th message is due n/rate seconds after the start,
// whatever the simulated times between messages, so `--rate N` means N messages a second. A caller
// that falls behind (a slow receiver) catches up in a burst of at most `maxLagMs` worth of
// messages; older debt is forgiven rather than sent all at once.

import { setTimeout as sleep } from 'node:timers/promises';

export interface Clock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, undefined, signal ? { signal } : {}),
};

export interface PacerOptions {
  /** Messages per second; Infinity sends as fast as the caller pulls. */
  rate: number;
  /** Wall-clock limit of the run (default: none). */
  durationMs?: number;
  /** Largest catch-up burst, in ms of schedule (default 1000). */
  maxLagMs?: number;
  clock?: Clock;
}

export class Pacer {
  readonly rate: number;
  readonly durationMs: number;
  readonly #maxLag: number;
  readonly #clock: Clock;
  #startedAt: number | undefined;
  #origin = 0;
  #issued = 0;

  constructor(options: PacerOptions) {
    if (!(options.rate > 0)) throw new RangeError('rate must be a positive number of messages per second');
    const durationMs = options.durationMs ?? Infinity;
    if (!(durationMs >= 0)) throw new RangeError('durationMs must not be negative');
    this.rate = options.rate;
    this.durationMs = durationMs;
    this.#maxLag = options.maxLagMs ?? 1000;
    this.#clock = options.clock ?? systemClock;
  }

  /** Messages released so far. */
  get issued(): number {
    return this.#issued;
  }

  /** Wall-clock ms since the first call. */
  elapsed(): number {
    return this.#startedAt === undefined ? 0 : this.#clock.now() - this.#startedAt;
  }

  /** Waits until the next message is due; false once the duration is over or the signal aborts. */
  async next(signal?: AbortSignal): Promise<boolean> {
    const clock = this.#clock;
    let now = clock.now();
    if (this.#startedAt === undefined) {
      this.#startedAt = now;
      this.#origin = now;
    }
    if (signal?.aborted || now - this.#startedAt >= this.durationMs) return false;
    if (Number.isFinite(this.rate)) {
      const due = this.#origin + (this.#issued * 1000) / this.rate;
      if (due > now) {
        // Never sleep past the end of the run.
        const wait = Math.min(due - now, this.#startedAt + this.durationMs - now);
        try {
          await clock.sleep(wait, signal);
        } catch (error) {
          if (signal?.aborted) return false;
          throw error;
        }
        now = clock.now();
        if (now - this.#startedAt >= this.durationMs) return false;
      } else if (now - due > this.#maxLag) {
        this.#origin += now - due - this.#maxLag;
      }
    }
    this.#issued++;
    return true;
  }
}
