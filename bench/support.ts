// Shared pieces of the benchmarks: the context the runner hands each one, topics, a fast loader of
// events, a partition-committing raw consumer, and a timing wrapper for the store.
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import {
  Admin,
  Consumer,
  FetchIsolationLevels,
  type Message,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  Producer,
  compatibilityPartitioner,
  stringSerializer,
} from '@platformatic/kafka';
import { encodeEvent } from '../src/event/codec.ts';
import { FETCH_MAX_BYTES } from '../src/runtime/engine.ts';
import { type ClinicalEvent, validateEvent } from '../src/event/envelope.ts';
import type { Database } from '../src/store/db.ts';

export interface BenchContext {
  bootstrap: string[];
  /** Multiplies every size (records, messages): 0.1 for a quick look, 1 for the real numbers. */
  scale: number;
  /** Write a CPU profile of the measured runtime phase (runtime-overhead). */
  profile: boolean;
  resultsDir: string;
  log: (line: string) => void;
}

/** Numbers only; names end in their unit (_per_s, _ms, _count) or are plain ratios. */
export type Metrics = Record<string, number>;

export interface Benchmark {
  name: string;
  run(ctx: BenchContext): Promise<Metrics>;
}

export interface WireRecord {
  topic: string;
  key: Buffer;
  value: Buffer;
  headers: Record<string, string>;
}

export function suffix(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function scaled(ctx: BenchContext, n: number): number {
  return Math.max(1, Math.round(n * ctx.scale));
}

export function load(): number {
  return Number((loadavg()[0] ?? 0).toFixed(2));
}

export async function createTopics(bootstrap: string[], topics: { name: string; partitions: number }[]): Promise<void> {
  const admin = new Admin({ clientId: 'vigil-bench', bootstrapBrokers: bootstrap });
  try {
    for (const t of topics) await admin.createTopics({ topics: [t.name], partitions: t.partitions, replicas: -1 });
  } finally {
    await admin.close();
  }
}

const META = { source: 'urn:vigil:bench', receivedTime: '2026-01-05T00:00:00.000Z' };

/** A small, valid event (about 200 bytes of value plus the ce_* headers), as the runtime decodes it. */
export function smallEvent(topic: string, id: string, patient: string, seq: number): WireRecord {
  const event: ClinicalEvent = validateEvent({
    event_id: id,
    event_type: 'lab_result',
    patient_id: patient,
    encounter_id: null,
    event_timestamp: '2026-01-05T08:30:00Z',
    payload: { seq },
  });
  const { value, headers } = encodeEvent(event, META);
  return { topic, key: Buffer.from(patient), value, headers };
}

export function newProducer(bootstrap: string[], clientId = 'vigil-bench'): Producer<Buffer, Buffer, string, string> {
  return new Producer<Buffer, Buffer, string, string>({
    clientId,
    bootstrapBrokers: bootstrap,
    idempotent: true,
    acks: -1,
    partitioner: compatibilityPartitioner,
    serializers: { headerKey: stringSerializer, headerValue: stringSerializer },
  });
}

/** Loads records as fast as possible (batches of 2,000, in order); resolves once all are acknowledged. */
export async function produceAll(bootstrap: string[], records: WireRecord[]): Promise<number> {
  const producer = newProducer(bootstrap, 'vigil-bench-loader');
  const started = performance.now();
  try {
    for (let i = 0; i < records.length; i += 2_000) await producer.send({ messages: records.slice(i, i + 2_000) });
  } finally {
    await producer.close();
  }
  return performance.now() - started;
}

/** Runs `fn` over `items` with at most `width` calls in flight (each worker takes the next item). */
export async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

/**
 * Throws unless the group's committed offsets on `topic` add up to `n` (every record of a topic
 * that holds nothing else): a run is only counted when the broker, not just the runtime's own
 * bookkeeping, has every commit.
 */
export async function assertAllCommitted(bootstrap: string[], group: string, topic: string, n: number): Promise<void> {
  const admin = new Admin({ clientId: 'vigil-bench', bootstrapBrokers: bootstrap });
  try {
    const [offsets] = await admin.listConsumerGroupOffsets({ groups: [group] });
    const partitions = offsets?.topics.find((t) => t.name === topic)?.partitions ?? [];
    const committed = partitions.reduce((sum, p) => sum + (p.committedOffset > 0n ? p.committedOffset : 0n), 0n);
    if (committed !== BigInt(n)) throw new Error(`group ${group} has ${committed} of ${n} records committed on ${topic}`);
  } finally {
    await admin.close();
  }
}

/** Resolves when `check` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 600_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface StoreTiming {
  queries: number;
  queryMs: number;
  transactions: number;
  transactionMs: number;
}

/**
 * The database, with the wall time of its queries (outside transactions: the runtime's lookups)
 * and of its transactions (the runtime's decision writes) added up. PGlite executes statements on
 * the calling thread, so these sums approximate the main thread's time in the store.
 */
export function timedDatabase(db: Database): { db: Database; timing: StoreTiming } {
  const timing: StoreTiming = { queries: 0, queryMs: 0, transactions: 0, transactionMs: 0 };
  const timed = async <T>(statement: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await statement();
    } finally {
      timing.queries++;
      timing.queryMs += performance.now() - t;
    }
  };
  const wrapped: Database = {
    kind: db.kind,
    query: (text, params) => timed(() => db.query(text, params)),
    run: (text, params) => timed(() => db.run(text, params)),
    exec: (text) => db.exec(text),
    async transaction(fn) {
      const t = performance.now();
      try {
        return await db.transaction(fn);
      } finally {
        timing.transactions++;
        timing.transactionMs += performance.now() - t;
      }
    },
    close: () => db.close(),
  };
  return { db: wrapped, timing };
}

export function round(n: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

type RawMessage = Message<Buffer, Buffer, string, string>;

/** The runtime's consumer settings (src/runtime/engine.ts), so a raw baseline differs only in what it does with records. */
export function newConsumer(bootstrap: string[], group: string): Consumer<Buffer, Buffer, string, string> {
  return new Consumer<Buffer, Buffer, string, string>({
    clientId: `vigil-bench-${group}`,
    groupId: group,
    bootstrapBrokers: bootstrap,
    autocommit: false,
    maxWaitTime: 200,
    maxBytes: FETCH_MAX_BYTES,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    deserializers: { headerKey: (b) => b?.toString() ?? '', headerValue: (b) => b?.toString() ?? '' },
  });
}

export async function consumeCommitted(consumer: Consumer<Buffer, Buffer, string, string>, topic: string) {
  return consumer.consume({
    topics: [topic],
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    autocommit: false,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
  });
}

/**
 * A raw consumer's commits: `done(message)` notes a finished record; every `intervalMs` the last
 * finished offset of each partition that moved is committed with one consumer.commit call.
 */
export class PartitionCommitter {
  readonly #consumer: Consumer<Buffer, Buffer, string, string>;
  readonly #last = new Map<number, RawMessage>();
  readonly #timer: NodeJS.Timeout;
  #running: Promise<void> = Promise.resolve();
  #error: unknown;
  commits = 0;

  constructor(consumer: Consumer<Buffer, Buffer, string, string>, intervalMs = 50) {
    this.#consumer = consumer;
    this.#timer = setInterval(() => void this.flush(), intervalMs);
  }

  done(message: RawMessage): void {
    this.#last.set(message.partition, message);
  }

  /** Commits what is noted (after any commit in flight); resolves when the broker answered. */
  flush(): Promise<void> {
    this.#running = this.#running.then(async () => {
      if (this.#last.size === 0) return;
      const offsets = [...this.#last.values()].map((m) => ({ topic: m.topic, partition: m.partition, offset: m.offset + 1n, leaderEpoch: m.leaderEpoch }));
      this.#last.clear();
      await this.#consumer.commit({ offsets });
      this.commits++;
    }).catch((err: unknown) => {
      this.#error ??= err;
    });
    return this.#running;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
    if (this.#error) throw this.#error;
  }
}
