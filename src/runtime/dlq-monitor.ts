// Keeps the dead-letter topic's entries and their states at hand for the main job: one reader for
// every dashboard poll (reading the DLQ is a fetch of the whole topic), and the gauge
// vigil_dlq_open_entries kept current between polls.
import client from 'prom-client';
import { logger } from '../phi/log.ts';
import type { Sql } from '../store/db.ts';
import { type DlqOptions, type ListedEntry, listDeadLetters } from './dlq.ts';

const log = logger('dlq-monitor');

const openEntries = new client.Gauge({
  name: 'vigil_dlq_open_entries',
  help: 'Dead-letter entries neither replayed nor released nor purged',
});

export interface DlqMonitorOptions extends DlqOptions {
  db: Sql;
  /** How often the gauge is refreshed when nobody asks. */
  intervalMs?: number;
}

export class DlqMonitor {
  readonly #opts: DlqMonitorOptions;
  #entries: ListedEntry[] = [];
  #readAt = 0;
  #reading: Promise<ListedEntry[]> | undefined;
  /** Bumped by invalidate(): a read that started before an action does not count as fresh. */
  #generation = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: DlqMonitorOptions) {
    this.#opts = opts;
  }

  start(): void {
    const tick = () => {
      this.#timer = setTimeout(() => void this.entries(0).catch((err: unknown) => log.warn({ error: (err as Error).name }, 'DLQ read failed')).finally(() => this.#timer && tick()), this.#opts.intervalMs ?? 10_000);
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Every entry with its state, read at most `maxAgeMs` ago; concurrent callers share one read. */
  async entries(maxAgeMs = 1_500): Promise<ListedEntry[]> {
    if (Date.now() - this.#readAt <= maxAgeMs) return this.#entries;
    if (!this.#reading) {
      const reading = this.#read().finally(() => {
        if (this.#reading === reading) this.#reading = undefined;
      });
      this.#reading = reading;
    }
    return this.#reading;
  }

  /** After an action: the next caller reads afresh. */
  invalidate(): void {
    this.#readAt = 0;
    this.#generation++;
    this.#reading = undefined;
  }

  async #read(): Promise<ListedEntry[]> {
    const generation = this.#generation;
    const entries = await listDeadLetters({ ...this.#opts, all: true });
    if (generation !== this.#generation) return entries;
    this.#entries = entries;
    this.#readAt = Date.now();
    openEntries.set(entries.filter((e) => e.state === 'open').length);
    return entries;
  }
}
