// Consumer lag, read from the broker alone, so it is right while workers are down (when it matters
// most): per (group, topic, partition) the group's committed offset, the partition's end (the last
// stable offset: what a read_committed worker can reach), the lag in records, and the lag in
// seconds, the age of the oldest record the group has not processed. Groups and their topics come
// from the topology. LagMonitor samples periodically, keeps a window per group for the status
// evaluator (lag-status.ts) and updates the Prometheus gauges.
//
// Offsets are plain numbers (exact below 2^53) so snapshots serialise to JSON as they are.
import { Admin, type ClusterTopicMetadata, Consumer, FetchIsolationLevels, IS_CONTROL } from '@platformatic/kafka';
import { type KafkaConnection, kafkaClientOptions } from '../kafka/connection.ts';
import { PeriodicTask } from '../periodic.ts';
import { logger } from '../phi/log.ts';
import { type Topology, consumerGroups } from '../topology/topology.ts';
import { type Evaluation, evaluateGroup } from './lag-status.ts';
import { recordLagMetrics } from './metrics.ts';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** The group's committed offset (the next record it will read); null when it never committed. */
  committed: number | null;
  /** The partition's last stable offset: one past the last record a read_committed reader sees. */
  end: number;
  /** Records between where the group resumes and the end. */
  lag: number;
  /** Age of the oldest record not processed yet (0 when lag is 0). */
  lagSeconds: number;
}

export interface GroupLag {
  group: string;
  /** When the sample was taken, epoch ms. */
  at: number;
  /** Kafka's group state (Stable, Empty, PreparingRebalance, Dead...); Dead also for a group Kafka never saw. */
  state: string;
  /** Live members (worker instances) of the group. */
  members: number;
  /** Topics the topology lists the group as a consumer of that exist on the cluster. */
  topics: string[];
  partitions: PartitionLag[];
  totalLag: number;
  maxLagSeconds: number;
}

export interface LagSnapshot {
  at: number;
  groups: GroupLag[];
}

export interface LagReaderOptions extends KafkaConnection {
  clientId?: string;
  topology: Topology;
  /** Only these groups; by default every consumer group of the topology. */
  groups?: string[];
}

const log = logger('lag');
const EARLIEST = -2n;
const LATEST = -1n;
// One record batch is enough to learn the oldest record's timestamp; Kafka returns the first batch
// whole even when it is larger than this.
const PEEK_BYTES = 16_384;
const PEEK_ROUNDS = 3;

type Peek = { timestamp: number } | { none: true } | undefined;

function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Reads lag snapshots; holds one admin and one (never joined) consumer connection. */
export class LagReader {
  readonly #opts: LagReaderOptions;
  readonly #admin: Admin;
  readonly #consumer: Consumer;
  /** Timestamp of the first data record at or after (topic, partition, offset): records never change. */
  #timestamps = new Map<string, number>();

  constructor(opts: LagReaderOptions) {
    this.#opts = opts;
    const clientId = `${opts.clientId ?? 'vigil'}-lag`;
    this.#admin = new Admin({ clientId, ...kafkaClientOptions(opts) });
    this.#consumer = new Consumer({
      clientId,
      // Never joined: it only lists offsets and fetches single batches.
      groupId: `${clientId}-reader`,
      ...kafkaClientOptions(opts),
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      maxWaitTime: 100,
    });
  }

  /** The groups read and, per group, its topics (as the topology says). */
  groups(): { group: string; topics: string[] }[] {
    const names = this.#opts.groups ?? consumerGroups(this.#opts.topology);
    return names.map((group) => ({ group, topics: this.#opts.topology.topics.filter((t) => t.consumers.includes(group)).map((t) => t.name) }));
  }

  async read(): Promise<LagSnapshot> {
    const groups = this.groups();
    const existing = new Set(await this.#admin.listTopics({ includeInternals: false }));
    const topics = [...new Set(groups.flatMap((g) => g.topics))].filter((t) => existing.has(t));
    const at = Date.now();
    const metadata = topics.length > 0 ? await this.#consumer.metadata({ topics, autocreateTopics: false }) : undefined;
    const starts = topics.length > 0 ? await this.#consumer.listOffsets({ topics, timestamp: EARLIEST }) : new Map<string, bigint[]>();
    const ends = topics.length > 0 ? await this.#consumer.listOffsets({ topics, timestamp: LATEST, isolationLevel: FetchIsolationLevels.READ_COMMITTED }) : new Map<string, bigint[]>();
    const names = groups.map((g) => g.group);
    const committedByGroup = new Map<string, Map<string, bigint>>();
    for (const g of await this.#admin.listConsumerGroupOffsets({ groups: names })) {
      const committed = new Map<string, bigint>();
      for (const t of g.topics) for (const p of t.partitions) if (p.committedOffset >= 0n) committed.set(tpKey(t.name, p.partitionIndex), p.committedOffset);
      committedByGroup.set(g.groupId, committed);
    }
    const described = await this.#admin.describeGroups({ groups: names });

    const used = new Map<string, number>();
    const out: GroupLag[] = [];
    for (const { group, topics: wanted } of groups) {
      const committed = committedByGroup.get(group) ?? new Map<string, bigint>();
      const partitions: PartitionLag[] = [];
      const peeks: { lag: PartitionLag; position: bigint; end: bigint }[] = [];
      for (const topic of wanted.filter((t) => existing.has(t))) {
        const count = metadata?.topics.get(topic)?.partitionsCount ?? 0;
        for (let partition = 0; partition < count; partition++) {
          const start = starts.get(topic)?.[partition] ?? 0n;
          const end = ends.get(topic)?.[partition] ?? start;
          const c = committed.get(tpKey(topic, partition));
          // A group without a commit starts at the earliest record (the workers' fallback); one
          // whose committed records were deleted by retention resumes at the earliest left.
          const position = c === undefined || c < start ? start : c;
          const lag: PartitionLag = { topic, partition, committed: c === undefined ? null : Number(c), end: Number(end), lag: end > position ? Number(end - position) : 0, lagSeconds: 0 };
          partitions.push(lag);
          if (lag.lag > 0) peeks.push({ lag, position, end });
        }
      }
      for (const { lag, position, end } of peeks) {
        const info = metadata?.topics.get(lag.topic);
        const peek = info ? await this.#oldest(info, lag.topic, lag.partition, position, end, used) : undefined;
        // Only transaction markers between the position and the end: nothing left to process.
        if (peek && 'none' in peek) lag.lag = 0;
        else if (peek) lag.lagSeconds = Math.max(0, (at - peek.timestamp) / 1000);
      }
      const d = described.get(group);
      out.push({
        group,
        at,
        state: d?.state ?? 'Dead',
        members: d?.members.size ?? 0,
        topics: wanted.filter((t) => existing.has(t)),
        partitions,
        totalLag: partitions.reduce((n, p) => n + p.lag, 0),
        maxLagSeconds: partitions.reduce((m, p) => Math.max(m, p.lagSeconds), 0),
      });
    }
    this.#timestamps = used;
    return { at, groups: out };
  }

  /**
   * The timestamp of the first data record in [position, end); `none` when there is none (only
   * transaction markers). Aborted records are not told apart: the topics groups read are written
   * by idempotent, non-transactional producers (the gateway, replays).
   */
  async #oldest(info: ClusterTopicMetadata, topic: string, partition: number, position: bigint, end: bigint, used: Map<string, number>): Promise<Peek> {
    const key = `${tpKey(topic, partition)}\u0000${position}`;
    const cached = this.#timestamps.get(key) ?? used.get(key);
    if (cached !== undefined) {
      used.set(key, cached);
      return { timestamp: cached };
    }
    let next = position;
    for (let round = 0; round < PEEK_ROUNDS && next < end; round++) {
      const response = await this.#consumer.fetch({
        node: info.partitions[partition]?.leader ?? -1,
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
        topics: [{ topicId: info.id, partitions: [{ partition, fetchOffset: next, partitionMaxBytes: PEEK_BYTES, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }],
      });
      const batches = response.responses.flatMap((r) => r.partitions).find((p) => p.partitionIndex === partition)?.records ?? [];
      if (batches.length === 0) return undefined;
      for (const batch of batches) {
        const after = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
        if (after > next) next = after;
        if (batch.attributes & IS_CONTROL) continue;
        for (const r of batch.records) {
          const offset = batch.firstOffset + BigInt(r.offsetDelta);
          if (offset < position || offset >= end) continue;
          const timestamp = Number(batch.firstTimestamp + r.timestampDelta);
          used.set(key, timestamp);
          return { timestamp };
        }
      }
    }
    return next >= end ? { none: true } : undefined;
  }

  async close(): Promise<void> {
    await this.#consumer.close().catch(() => {});
    await this.#admin.close().catch(() => {});
  }
}

/** One snapshot, opening and closing its own connections (for the CLI). */
export async function readLag(opts: LagReaderOptions): Promise<LagSnapshot> {
  const reader = new LagReader(opts);
  try {
    return await reader.read();
  } finally {
    await reader.close();
  }
}

/** A group's latest sample with its Burrow-style status over the window. */
export interface GroupReport extends GroupLag, Evaluation {}

export interface LagReport {
  at: number;
  groups: GroupReport[];
}

/** Status per group of a single snapshot (a window of one sample: no trends, STOP still shows). */
export function reportOf(snapshot: LagSnapshot): LagReport {
  return { at: snapshot.at, groups: snapshot.groups.map((g) => ({ ...g, ...evaluateGroup([g]) })) };
}

export interface LagMonitorOptions extends LagReaderOptions {
  /** Time between samples; default 5 s. */
  intervalMs?: number;
  /** Samples kept per group for the status; default 12 (a minute at the default interval). */
  windowSize?: number;
}

/** Samples lag periodically, keeps a window per group, and updates the lag and status gauges. */
export class LagMonitor {
  readonly #reader: LagReader;
  readonly #windowSize: number;
  readonly #windows = new Map<string, GroupLag[]>();
  readonly #task: PeriodicTask;
  #report: LagReport | undefined;

  constructor(opts: LagMonitorOptions) {
    this.#reader = new LagReader(opts);
    const intervalMs = opts.intervalMs ?? 5_000;
    this.#windowSize = opts.windowSize ?? 12;
    if (intervalMs < 1 || this.#windowSize < 1) throw new RangeError('intervalMs and windowSize must be positive');
    this.#task = new PeriodicTask(() => this.sample(), intervalMs, (err) =>
      log.warn({ error: (err as Error)?.name, code: (err as { code?: string })?.code }, 'lag sample failed'),
    );
  }

  /** Samples now and then every intervalMs; a failed sample is logged and the next one tried. */
  start(): void {
    this.#task.start();
  }

  async stop(): Promise<void> {
    await this.#task.stop();
    await this.#reader.close();
  }

  /** Takes one sample now (the timer does this too), records it and returns the new report. */
  async sample(): Promise<LagReport> {
    const snapshot = await this.#reader.read();
    const groups: GroupReport[] = [];
    for (const g of snapshot.groups) {
      const window = [...(this.#windows.get(g.group) ?? []), g].slice(-this.#windowSize);
      this.#windows.set(g.group, window);
      groups.push({ ...g, ...evaluateGroup(window) });
    }
    this.#report = { at: snapshot.at, groups };
    recordLagMetrics(this.#report);
    return this.#report;
  }

  /** The latest report (each group's latest sample and status); undefined before the first sample. */
  report(): LagReport | undefined {
    return this.#report;
  }

  /** A group's window of samples, oldest first (for charts). */
  window(group: string): GroupLag[] {
    return [...(this.#windows.get(group) ?? [])];
  }
}
