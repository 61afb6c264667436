// The consumer engine. Fetches records, runs them through the per-key scheduler (same key one at a
// time in offset order, different keys concurrently), and commits completed work at the contiguous
// watermark: outputs, dead letters and offsets in one Kafka transaction, decisions and store writes
// in the store just before it (idempotent, so a transaction lost to a crash replays to the same
// result). Knows nothing clinical.
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin, Consumer, MessagesStreamModes, type MessagesStream, Producer, compatibilityPartitioner, stringSerializer } from '@platformatic/kafka';
import { HEADER, WIRE_HEADER_STRINGS, decodeEvent } from '../event/codec.ts';
import { type ClinicalEvent, EventValidationError } from '../event/envelope.ts';
import { stableCommittedOffsets } from '../kafka/committed-offsets.ts';
import { type KafkaConnection, explainKafkaError, kafkaClientOptions } from '../kafka/connection.ts';
import { kafkaErrorCodes } from '../kafka/error-codes.ts';
import { HeaderStrings } from '../kafka/header-strings.ts';
import { PartitionFetcher } from '../kafka/partition-fetcher.ts';
import type { FetchedRecord } from '../kafka/record-batches.ts';
import { TRANSACTION_RETRY_DELAY, commitOffsetsInTransaction, useClientRequestVersions } from '../kafka/transactional-producer.ts';
import { logger } from '../phi/log.ts';
import type { Database, Sql } from '../store/db.ts';
import { type StoredDecision, decidedOffsets, findDecisions, markDelivered, moveToRound, newRound, recordDecidedOffsets, recordDecisions } from '../store/effects.ts';
import { listParkedKeys, parkKeys } from '../store/parked-keys.ts';
import { Batcher } from './batcher.ts';
import { type FailedRecord, REPLAY_HEADER, deadLetterHeaders } from './dead-letter.ts';
import { KeyScheduler, TaskNotStartedError } from './key-scheduler.ts';
import { RateLimiter } from './rate-limit.ts';
import { backoffMs, mayRetry } from './retry.ts';
import { type PartitionWatermark, WatermarkTracker } from './watermark.ts';
import { type Decision, NonRetryableError, type OutputRecord, type WorkerDeclaration, type WorkerPolicies, resolvePolicies } from './worker.ts';

/** The group member a record was fetched as: its offset commit is fenced by this generation. */
type FetchedAs = {
  consumer: { groupId: string; memberId: string; generationId: number; coordinatorId: number };
};

export interface RuntimeOptions extends KafkaConnection {
  clientId: string;
  /** Stable per worker instance: its transactional id, so a restarted instance fences its predecessor. */
  instanceId: string;
  deadLetterTopic: string;
  db: Database;
  /**
   * Opens an encrypted payload before the processor sees the event (PHI encryption): returns the
   * event to process, or undefined when it can never be read (its patient was forgotten), which is
   * counted and committed past. A throw dead-letters the record (original bytes kept).
   */
  openPayload?(event: ClinicalEvent, headers: Record<string, string>): Promise<ClinicalEvent | undefined>;
  /** Called when a processor has decided on a record (not for reused decisions): for metrics. */
  onDecided?(sample: DecisionSample): void;
}

/** One processor decision, for latency metrics: times only, nothing from the payload. */
export interface DecisionSample {
  group: string;
  eventTimestamp: string;
  /** The gateway's ce_receivedtime header, when the record has one. */
  receivedTime: string | undefined;
  /** From the first attempt to the decision, retries included. */
  durationMs: number;
}

export interface RuntimeStats {
  group: string;
  /** Records being processed now. */
  inFlight: number;
  /** Records fetched and not committed yet (queued, running, or done and waiting for the watermark). */
  buffered: number;
  paused: boolean;
  parkedKeys: number;
  processed: number;
  retries: number;
  deadLettered: number;
  /** Decisions taken from the store instead of calling the processor (replays). */
  reused: number;
  /** Records skipped because their patient was forgotten (data key destroyed). */
  forgotten: number;
  transactions: number;
}

/** What one record came to, kept until its partition's watermark passes it and it is committed. */
interface Pending {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  /** The consumer generation it was fetched in: its offset commit is fenced by it. */
  readonly metadata: FetchedAs;
  /**
   * The fetched record. Released once the record is decided with nothing to send (no outputs, no
   * writes, no dead letter): only its offset is still needed, and holding thousands of fetched
   * records (headers, buffers, the parsed event) until the commit made the garbage collector cost
   * more than the runtime's own work. Present while the record is processed.
   */
  message: FetchedRecord | undefined;
  key: string;
  eventId?: string;
  watermark: PartitionWatermark;
  event?: ClinicalEvent;
  decodeError?: unknown;
  decision?: Decision;
  /** The decision came from the store: it is recorded already. */
  reused: boolean;
  /** Its outputs were committed before (a replay, a late duplicate): they are not sent again. */
  delivered?: boolean;
  deadLetter?: Record<string, string>;
  /** This record's failure parks its key (hold-key policy). */
  parks: boolean;
  /** Its event id was already taken by this worker: effects happen once per event id. */
  duplicate?: boolean;
  /** Below its partition's decided mark: an earlier run may have stored its decision. */
  mayBeDecided: boolean;
}

/** A record the commit round's transaction sends: an output or a dead letter. */
interface OutgoingRecord {
  topic: string;
  key: Buffer;
  value: Buffer;
  headers: Record<string, string>;
}

interface PartitionQueue {
  watermark: PartitionWatermark;
  /** The partition's decided mark when it was assigned (see 016_decided_offsets.sql). */
  decidedBelow: bigint;
  /** Fetched records not committed yet, in offset order. */
  records: Pending[];
}

const log = logger('runtime');
const PARKED_REFRESH_MS = 2_000;
const TAKEN_MEMORY = 200_000;
// Header names and fixed values come back as interned strings, without a decode each (header-strings.ts).
const HEADER_STRINGS = new HeaderStrings([...WIRE_HEADER_STRINGS, ...Object.values(REPLAY_HEADER)]);
/** How long a fetch may wait at the broker for records before it answers with none. */
const FETCH_MAX_WAIT_MS = 200;
const FENCED = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);
// Commit failures that retrying in place will not fix (a topic missing or not granted): after a few
// rounds the worker gives up, loudly, and its supervisor restarts it; any failure gives up after many.
const MISCONFIGURED = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'TOPIC_AUTHORIZATION_FAILED', 'GROUP_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED']);
const MISCONFIGURED_ROUNDS = 3;
const FAILED_ROUNDS = 100;
/**
 * Most a fetch asks for. A fetch's records are read and handed over in one synchronous stretch,
 * which a commit round's responses wait behind: 256 KB keeps that stretch to a few ms (a larger
 * batch still comes whole), and a paused worker holds at most that much more per leader.
 */
export const FETCH_MAX_BYTES = 256 * 1024;

/** The record's headers as an object, made only where one is needed (dead letters, sealed payloads). */
function headersOf(message: FetchedRecord): Record<string, string> {
  return Object.fromEntries(message.headers);
}

/** The fetched record of one still being processed or with something to send (never released). */
function fetchedOf(p: Pending): FetchedRecord {
  if (!p.message) throw new Error(`record ${p.partition}:${p.offset} was released before it was done with`);
  return p.message;
}

/** The records a commit round takes from a partition: those below its watermark, and the offset to commit. */
function committablePrefix(queue: PartitionQueue): { n: number; next: bigint } | undefined {
  const next = queue.watermark.committable();
  if (next === undefined) return undefined;
  let n = 0;
  while (n < queue.records.length && (queue.records[n] as Pending).offset < next) n++;
  return { n, next };
}

function recordOf(p: Pending): FailedRecord {
  const message = fetchedOf(p);
  return { topic: p.topic, partition: p.partition, offset: p.offset, key: p.key, value: message.value ?? null, headers: headersOf(message) };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/** SQLSTATE classes 22 (data exception) and 23 (constraint violation): this record's data, not the store. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

/** The store refused a decision's writes; `code` is the SQLSTATE, never the data. */
class StoreRejectedError extends NonRetryableError {
  readonly code: string | undefined;
  constructor(code: string | undefined) {
    super('the store refused the writes');
    this.name = 'StoreRejectedError';
    this.code = code;
  }
}

/** A commit round that did not finish within `commitTimeoutMs`. */
class CommitTimeoutError extends Error {
  readonly code = 'COMMIT_TIMEOUT';
  constructor(ms: number) {
    super(`the commit round did not finish within ${ms} ms`);
    this.name = 'CommitTimeoutError';
  }
}

/**
 * A failed round whose transaction could not be aborted either: the producer still holds it and
 * refuses to begin another, so retrying cannot help. Its cause is the round's failure.
 */
class TransactionStuckError extends Error {
  readonly code = 'TRANSACTION_STUCK';
  constructor(cause: unknown) {
    super('a failed commit round could not be aborted', { cause });
    this.name = 'TransactionStuckError';
  }
}

function partitionOf(p: Pending): { topic: string; partition: number } {
  return { topic: p.topic, partition: p.partition };
}

function hasEffects(d: Decision | undefined): boolean {
  return (d?.outputs?.length ?? 0) > 0 || (d?.writes?.length ?? 0) > 0;
}

/** Its commit round sends its decision's outputs (they were not delivered before). */
function sendsOutputs(p: Pending): boolean {
  return (p.decision?.outputs?.length ?? 0) > 0 && !p.delivered;
}

/** Its commit round sends nothing for it: only its offset is committed. */
function sendsNothing(p: Pending): boolean {
  return !p.deadLetter && !p.parks && !hasEffects(p.decision);
}

function tp(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class WorkerRuntime {
  readonly #decl: WorkerDeclaration;
  readonly #opts: RuntimeOptions;
  readonly #policies: WorkerPolicies;
  readonly #scheduler: KeyScheduler;
  readonly #limiter: RateLimiter | undefined;
  readonly #abort = new AbortController();
  readonly #watermarks = new WatermarkTracker();
  /** By the watermark of the partition's current assignment. */
  #partitions = new Map<PartitionWatermark, PartitionQueue>();
  #consumer: Consumer<Buffer, Buffer, string, string> | undefined;
  #producer: Producer<Buffer, Buffer, string, string> | undefined;
  #admin: Admin | undefined;
  /** The client's stream that keeps this member in the group; it never fetches. */
  #membership: MessagesStream<Buffer, Buffer, string, string> | undefined;
  /** The newest fetcher; records are taken only from the one opened for the current generation. */
  #fetcher: PartitionFetcher | undefined;
  /** Bumped on every group join: records of fetchers opened before it are ignored. */
  #epoch = 0;
  #joined = false;
  /** Each partition's decided mark when it was assigned (see 016_decided_offsets.sql). */
  #decidedBelow = new Map<string, bigint>();
  #lookups: Batcher<string, StoredDecision<Decision> | undefined>;
  #parked = new Set<string>();
  #buffered = 0;
  #paused = false;
  #stopping = false;
  #flushing: Promise<void> | undefined;
  /** Commit rounds failed since the last one that succeeded. */
  #failedRounds = 0;
  #failed = false;
  #timer: NodeJS.Timeout | undefined;
  #parkedTimer: NodeJS.Timeout | undefined;
  #failure: ((err: Error) => void) | undefined;
  #stats = { processed: 0, retries: 0, deadLettered: 0, reused: 0, forgotten: 0, transactions: 0 };
  /**
   * Event ids this worker has taken (in flight, or committed with effects: recent ones): a second
   * record with the same id (a discharge read from two topics, an event written twice) has no
   * effects. An id whose record was committed with nothing to send is forgotten: a repeat is asked
   * again, like a replay, and whatever it decides then happens once.
   */
  #taken = new Set<string>();

  constructor(decl: WorkerDeclaration, opts: RuntimeOptions) {
    this.#decl = decl;
    this.#opts = opts;
    this.#policies = resolvePolicies(decl.policies);
    this.#scheduler = new KeyScheduler({ concurrency: this.#policies.concurrency });
    this.#limiter = this.#policies.ratePerSecond ? new RateLimiter(this.#policies.ratePerSecond) : undefined;
    // One store query per burst of records instead of one per record.
    this.#lookups = new Batcher(async (ids) => {
      const found = await findDecisions<Decision>(opts.db, decl.group, ids);
      return ids.map((id) => found.get(id));
    });
  }

  get group(): string {
    return this.#decl.group;
  }

  /** Called when the worker fails for good (fenced by a newer instance, broker lost): restart it. */
  onFailure(fn: (err: Error) => void): void {
    this.#failure = fn;
  }

  stats(): RuntimeStats {
    return {
      group: this.#decl.group,
      inFlight: this.#scheduler.running,
      buffered: this.#buffered,
      paused: this.#paused,
      parkedKeys: this.#parked.size,
      ...this.#stats,
    };
  }

  parkedKeys(): string[] {
    return [...this.#parked];
  }

  async start(): Promise<void> {
    const { clientId, instanceId } = this.#opts;
    const group = this.#decl.group;
    await this.#refreshParked();
    this.#producer = new Producer<Buffer, Buffer, string, string>({
      clientId: `${clientId}-${group}`,
      ...kafkaClientOptions(this.#opts),
      transactionalId: `vigil-${group}-${instanceId}`,
      idempotent: true,
      // InitProducerId as a new producer (-1/-1). The client's default (0/0) is refused with
      // PRODUCER_FENCED once the transactional id has history, i.e. on every restart.
      producerId: -1n,
      producerEpoch: -1,
      partitioner: compatibilityPartitioner,
      serializers: { headerKey: stringSerializer, headerValue: stringSerializer },
      retryDelay: TRANSACTION_RETRY_DELAY,
    });
    // Under ACLs a non-super principal needs the client form of AddPartitionsToTxn (see there).
    useClientRequestVersions(this.#producer);
    this.#consumer = new Consumer<Buffer, Buffer, string, string>({
      clientId: `${clientId}-${group}`,
      groupId: group,
      ...kafkaClientOptions(this.#opts),
      autocommit: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
    // Offsets the group resumes from, read stable (see committed-offsets.ts).
    this.#admin = new Admin({ clientId: `${clientId}-${group}-offsets`, ...kafkaClientOptions(this.#opts), retries: 50, retryDelay: 100 });
    // A rebalance is coming: commit what is done while this member still owns its partitions.
    this.#consumer.on('consumer:group:rebalance', () => void this.#flush());
    this.#consumer.on('consumer:group:join', () => {
      if (this.#joined) this.#onJoin();
    });
    // This stream only joins the group (it never fetches: nothing reads it). Records come from a
    // fetcher opened per generation, at the offsets the group committed.
    this.#membership = await this.#consumer.consume({
      topics: this.#decl.topics,
      mode: MessagesStreamModes.MANUAL,
      offsets: [],
      autocommit: false,
    }).catch((err: unknown) => {
      throw explainKafkaError(err, this.#opts, `joining group ${group} on ${this.#decl.topics.join(',')}`);
    });
    this.#joined = true;
    await this.#openFetcher(++this.#epoch);
    this.#timer = setInterval(() => void this.#flush(), this.#policies.commitIntervalMs);
    this.#parkedTimer = setInterval(() => void this.#refreshParked().catch(() => {}), PARKED_REFRESH_MS);
    log.info({ group, topics: this.#decl.topics, instance: instanceId }, 'worker started');
  }

  /** Graceful stop: no new work, running work finishes (bounded), completed work is committed. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#fetcher?.pause();
    const dropped = this.#scheduler.stop();
    const finished = await Promise.race([this.#scheduler.idle().then(() => true), sleep(this.#policies.shutdownGraceMs, false)]);
    if (!finished) this.#abort.abort();
    clearInterval(this.#timer);
    clearInterval(this.#parkedTimer);
    await this.#flush();
    await this.#fetcher?.close();
    await this.#membership?.close().catch(() => {});
    await this.#consumer?.close().catch(() => {});
    await this.#producer?.close().catch(() => {});
    await this.#admin?.close().catch(() => {});
    log.info({ ...this.stats(), notStarted: dropped, finished }, 'worker stopped');
  }

  #fail(err: Error): void {
    if (this.#stopping || this.#failed) return;
    this.#failed = true;
    log.error({ group: this.#decl.group, error: err.name, codes: kafkaErrorCodes(err) }, 'worker failed');
    this.#failure?.(err);
  }

  #accept(message: FetchedRecord, metadata: FetchedAs): void {
    if (this.#stopping) return;
    const watermark = this.#watermarks.track(message.topic, message.partition, message.offset);
    if (!watermark) return; // fetched again after a rebalance while still held: already ours
    let queue = this.#partitions.get(watermark);
    if (!queue) {
      queue = { watermark, decidedBelow: this.#decidedBelow.get(tp(message.topic, message.partition)) ?? 0n, records: [] };
      this.#partitions.set(watermark, queue);
    }
    const pending: Pending = {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      metadata,
      message,
      key: message.key,
      watermark,
      reused: false,
      parks: false,
      mayBeDecided: message.offset < queue.decidedBelow,
    };
    try {
      pending.event = decodeEvent(message.value, message.headers).event;
    } catch (err) {
      pending.decodeError = err;
    }
    pending.eventId = pending.event?.event_id;
    // A DLQ replay is a deliberate second delivery, never a duplicate.
    if (pending.eventId !== undefined && !message.headers.has(REPLAY_HEADER.group)) {
      if (this.#taken.has(pending.eventId)) pending.duplicate = true;
      else {
        if (this.#taken.size >= TAKEN_MEMORY) this.#taken.clear();
        this.#taken.add(pending.eventId);
      }
    }
    queue.records.push(pending);
    if (++this.#buffered >= this.#policies.maxBuffered && !this.#paused) {
      this.#paused = true;
      this.#fetcher?.pause();
      // Commit what is done now rather than at the next tick: fetching resumes sooner.
      void this.#flush();
    }
    this.#scheduler.submit(pending.key, () => this.#process(pending), (failed, err) => {
      if (!failed) {
        watermark.complete(message.offset);
        if (sendsNothing(pending)) {
          pending.message = undefined;
          pending.event = undefined;
        }
      }
      // Not started (stopping): the record stays unfinished and is fetched again next time.
      else if (!(err instanceof TaskNotStartedError)) this.#fail(err as Error);
    });
  }

  /**
   * Decides one record. Settles without a promise when nothing on the way is asynchronous (no sealed
   * payload, no stored decision to look up, a processor that answers at once): the common case
   * costs no microtask round trips.
   */
  #process(p: Pending): void | Promise<void> {
    if (p.watermark.revoked || p.duplicate) return;
    const { group } = this.#decl;
    // A DLQ replay is meant for the group whose entry it was; every other group has handled it.
    const replayFor = fetchedOf(p).headers.get(REPLAY_HEADER.group);
    if (replayFor !== undefined && replayFor !== group) return;
    if (this.#parked.has(p.key)) {
      p.deadLetter = deadLetterHeaders(recordOf(p), { group, attempts: 0, error: null, parkedBehind: 'parked key' });
      this.#stats.deadLettered++;
      return;
    }
    if (!p.event) return this.#deadLetter(p, 1, p.decodeError);
    if (this.#opts.openPayload || p.mayBeDecided) return this.#openAndLookUp(p);
    return this.#attempt(p, 1, performance.now());
  }

  async #openAndLookUp(p: Pending): Promise<void> {
    if (this.#opts.openPayload && !(await this.#open(p))) return;
    const stored = p.mayBeDecided ? await this.#lookups.load((p.event as ClinicalEvent).event_id) : undefined;
    if (stored) {
      p.decision = stored.outputs;
      p.delivered = stored.delivered;
      p.reused = true;
      this.#stats.reused++;
      this.#stats.processed++;
      return;
    }
    return this.#attempt(p, 1, performance.now());
  }

  /** One call of the processor; `started` is the first attempt's start, for the retry budget. */
  #attempt(p: Pending, attempt: number, started: number): void | Promise<void> {
    if (this.#limiter) return this.#limiter.take().then(() => this.#call(p, attempt, started));
    return this.#call(p, attempt, started);
  }

  #call(p: Pending, attempt: number, started: number): void | Promise<void> {
    let decision: Decision | PromiseLike<Decision>;
    try {
      decision = this.#decl.processor(p.event as ClinicalEvent, { attempt, signal: this.#abort.signal });
    } catch (err) {
      return this.#retryOrDeadLetter(p, attempt, started, err);
    }
    if (!isThenable(decision)) return this.#decided(p, decision, started);
    return Promise.resolve(decision).then(
      (d) => this.#decided(p, d, started),
      (err: unknown) => this.#retryOrDeadLetter(p, attempt, started, err),
    );
  }

  #decided(p: Pending, decision: Decision, started: number): void {
    p.decision = decision;
    this.#stats.processed++;
    const event = p.event as ClinicalEvent;
    this.#opts.onDecided?.({ group: this.#decl.group, eventTimestamp: event.event_timestamp, receivedTime: fetchedOf(p).headers.get(HEADER.receivedTime), durationMs: performance.now() - started });
  }

  /** Transient failures are retried in place for this key, with backoff; the rest are dead-lettered. */
  #retryOrDeadLetter(p: Pending, attempt: number, started: number, err: unknown): void | Promise<void> {
    const delay = backoffMs(this.#policies.retry, attempt);
    const retryable = !(err instanceof NonRetryableError) && !this.#stopping;
    if (!retryable || !mayRetry(this.#policies.retry, attempt, performance.now() - started, delay)) {
      log.warn({ group: this.#decl.group, eventId: p.event?.event_id, attempts: attempt, error: (err as Error)?.name }, 'event dead-lettered');
      return this.#deadLetter(p, attempt, err);
    }
    this.#stats.retries++;
    return sleep(delay).then(() => this.#attempt(p, attempt + 1, started));
  }

  /** Opens a sealed payload; false when the record is done with (forgotten, or dead-lettered). */
  async #open(p: Pending): Promise<boolean> {
    const started = performance.now();
    const headers = headersOf(fetchedOf(p));
    for (let attempt = 1; ; attempt++) {
      try {
        const opened = await this.#opts.openPayload?.(p.event as ClinicalEvent, headers);
        if (!opened) this.#stats.forgotten++;
        else p.event = opened;
        return opened !== undefined;
      } catch (err) {
        // A refused record (tampered, unknown key) fails again; a store that did not answer may not.
        const delay = backoffMs(this.#policies.retry, attempt);
        if (err instanceof EventValidationError || this.#stopping || !mayRetry(this.#policies.retry, attempt, performance.now() - started, delay)) {
          log.warn({ group: this.#decl.group, eventId: p.event?.event_id, attempts: attempt, error: (err as Error)?.name }, 'payload not opened; event dead-lettered');
          this.#deadLetter(p, attempt, err);
          return false;
        }
        this.#stats.retries++;
        await sleep(delay);
      }
    }
  }

  #deadLetter(p: Pending, attempts: number, error: unknown): void {
    p.deadLetter = deadLetterHeaders(recordOf(p), { group: this.#decl.group, attempts, error });
    this.#stats.deadLettered++;
    if (this.#policies.deadLetter === 'hold-key') {
      this.#parked.add(p.key);
      p.parks = true;
    }
  }

  /**
   * A new generation: everything held is dropped and fetched again from the committed offsets.
   * The old fetcher may still hold records fetched before the join (waiting, or a fetch in
   * flight); they would start a partition past records whose outputs were never committed, so it
   * is replaced by a new fetcher at the committed offsets, not re-positioned.
   */
  #onJoin(): void {
    const epoch = ++this.#epoch;
    this.#fetcher?.pause();
    // Uncommitted records come again from the committed offsets: they are not duplicates then.
    for (const q of this.#partitions.values()) for (const p of q.records) if (p.eventId !== undefined && !p.duplicate) this.#taken.delete(p.eventId);
    this.#watermarks.revokeAll();
    this.#partitions.clear();
    this.#buffered = 0;
    this.#paused = false;
    this.#openFetcher(epoch).catch((err: unknown) => this.#fail(err as Error));
  }

  /** Opens the fetcher of a generation at the group's stable committed offsets; a later join supersedes it. */
  async #openFetcher(epoch: number): Promise<void> {
    const consumer = this.#consumer as Consumer<Buffer, Buffer, string, string>;
    const { group } = this.#decl;
    // A commit in flight decides where the group resumes.
    await this.#flushing;
    const assigned = consumer.assignments ?? [];
    const committed = await stableCommittedOffsets(this.#admin as Admin, group, assigned);
    const decided = await decidedOffsets(this.#opts.db, group);
    if (epoch !== this.#epoch || this.#stopping) return;
    this.#decidedBelow = new Map(decided.map((d) => [tp(d.topic, d.partition), d.next]));
    for (const c of committed) this.#watermarks.assign(c.topic, c.partition, c.offset);
    const resumeAt = new Map(committed.map((c) => [tp(c.topic, c.partition), c.offset]));
    const metadata: FetchedAs = {
      consumer: { groupId: group, memberId: consumer.memberId ?? '', generationId: consumer.generationId, coordinatorId: consumer.coordinatorId ?? -1 },
    };
    const previous = this.#fetcher;
    const fetcher = new PartitionFetcher({
      consumer,
      // A partition the group never committed starts at its earliest record.
      positions: assigned.flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition, offset: resumeAt.get(tp(a.topic, partition)) }))),
      maxWaitMs: FETCH_MAX_WAIT_MS,
      maxBytes: FETCH_MAX_BYTES,
      strings: HEADER_STRINGS,
      onRecord: (record) => {
        if (epoch === this.#epoch) this.#accept(record, metadata);
      },
      onError: (err) => {
        if (epoch === this.#epoch) this.#fail(err);
      },
    });
    this.#fetcher = fetcher;
    await previous?.close();
    if (epoch === this.#epoch && !this.#stopping) fetcher.start();
  }

  async #refreshParked(): Promise<void> {
    const rows = await listParkedKeys(this.#opts.db, this.#decl.group);
    // Keys parked here but not stored yet stay parked; released ones (deleted rows) go.
    const stored = new Set(rows.map((r) => r.key));
    const unsaved = new Set<string>();
    for (const q of this.#partitions.values()) for (const p of q.records) if (p.parks) unsaved.add(p.key);
    this.#parked = new Set([...stored, ...unsaved]);
  }

  /** Commits everything below each partition's watermark. Serialised: one flush at a time. */
  #flush(): Promise<void> {
    // A failed worker commits nothing more: its replacement resumes from the committed offsets.
    if (this.#failed) return this.#flushing ?? Promise.resolve();
    this.#flushing ??= this.#commitBatch()
      .catch((err: unknown) => this.#onCommitError(err))
      .finally(() => {
        this.#flushing = undefined;
        // Still paused after a round that went through, and the work done meanwhile is enough to
        // resume: commit it now rather than at the next tick. Only then: a round per little progress
        // would turn a slow partition into many tiny transactions, and a failed round is retried at
        // the tick, not in a tight loop.
        if (this.#paused && !this.#stopping && !this.#failed && this.#failedRounds === 0 && this.#buffered - this.#committableCount() < this.#policies.resumeBelow) {
          void this.#flush();
        }
      });
    return this.#flushing;
  }

  /** Records a commit round would take now. */
  #committableCount(): number {
    let n = 0;
    for (const queue of this.#partitions.values()) n += committablePrefix(queue)?.n ?? 0;
    return n;
  }

  async #commitBatch(): Promise<void> {
    const batches: { queue: PartitionQueue; records: Pending[]; next: bigint }[] = [];
    for (const queue of this.#partitions.values()) {
      const prefix = committablePrefix(queue);
      if (prefix && prefix.n > 0) batches.push({ queue, records: queue.records.slice(0, prefix.n), next: prefix.next });
    }
    if (batches.length === 0 || !this.#producer || !this.#consumer) return;
    const all = batches.flatMap((b) => b.records);
    const { group } = this.#decl;

    // Store first: decisions (and their writes, applied only when the decision is new) and parked keys.
    // A decision without outputs or writes has no effect to keep once: it is not stored, and a
    // replay or restart asks the processor again.
    const fresh = all.filter((p) => !p.reused && hasEffects(p.decision));
    // The round's id: the decisions whose outputs it sends are marked delivered together after it.
    let round: bigint | undefined;
    if (fresh.length > 0 || all.some((p) => p.parks || (p.reused && sendsOutputs(p)))) {
      await this.#opts.db.transaction(async (tx) => {
        round = await newRound(tx);
        const inserted = await recordDecisions(tx, group, round, fresh.map((p) => ({ eventId: (p.event as ClinicalEvent).event_id, outputs: p.decision })));
        await this.#takeStoredDecisions(tx, fresh.filter((p) => !inserted.has((p.event as ClinicalEvent).event_id)));
        // Decisions stored by a round whose transaction did not commit go out with this one.
        await moveToRound(tx, group, round, all.filter((p) => p.reused && sendsOutputs(p)).map((p) => (p.event as ClinicalEvent).event_id));
        const decidedIn = new Set(fresh.map((p) => p.watermark));
        const marks = batches.filter((b) => decidedIn.has(b.queue.watermark)).map((b) => ({ ...partitionOf(b.records[0] as Pending), next: b.next }));
        await recordDecidedOffsets(tx, group, marks);
        if (this.#decl.store) {
          for (const p of fresh) {
            const writes = p.decision?.writes;
            const event = p.event as ClinicalEvent;
            if (!writes?.length || !inserted.has(event.event_id)) continue;
            // One record's writes the store refuses (bad data) must not hold up the batch: that
            // record goes to the dead-letter topic instead, and its decision is forgotten.
            await tx.query('SAVEPOINT record_writes');
            try {
              await this.#decl.store(tx, event, writes);
              await tx.query('RELEASE SAVEPOINT record_writes');
            } catch (err) {
              if (!isDataError(err)) throw err;
              await tx.query('ROLLBACK TO SAVEPOINT record_writes');
              await tx.query('DELETE FROM effects WHERE processor = $1 AND event_id = $2', [group, event.event_id]);
              p.decision = undefined;
              log.warn({ group, eventId: event.event_id, code: (err as { code?: string }).code }, 'store refused the writes; event dead-lettered');
              this.#deadLetter(p, 1, new StoreRejectedError((err as { code?: string }).code));
            }
          }
        }
        const parks = all.filter((p) => p.parks);
        await parkKeys(tx, group, parks.map((p) => ({ key: p.key, topic: p.topic, partition: p.partition, offset: p.offset })));
      });
    }

    const messages: OutgoingRecord[] = [];
    for (const p of all) this.#addRecordsOf(p, messages);
    const consumer = this.#consumer;
    const producer = this.#producer;
    const tx = await producer.beginTransaction();
    const commit = async () => {
      await tx.addConsumer(consumer);
      if (messages.length > 0) await tx.send({ messages });
      // The last record below each watermark carries the group generation it was fetched in:
      // a commit after the partition moved to another member is refused (fencing).
      await commitOffsetsInTransaction(producer, tx, batches.map((b) => b.records[b.records.length - 1] as Pending));
      await tx.commit();
    };
    // The client waits without end on some requests (a send to a topic that does not exist): a
    // round that does not finish in time is abandoned and the worker gives up (see #onCommitError).
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CommitTimeoutError(this.#policies.commitTimeoutMs)), this.#policies.commitTimeoutMs);
    });
    try {
      await Promise.race([commit(), timeout]);
    } catch (err) {
      // A hung transaction may not answer an abort either; the restarted worker's producer fences it.
      if (err instanceof CommitTimeoutError) void tx.abort().catch(() => {});
      else if (!(await tx.abort().then(() => true, () => false))) throw new TransactionStuckError(err);
      throw err;
    } finally {
      clearTimeout(timer);
    }
    this.#stats.transactions++;
    this.#failedRounds = 0;
    // Only after the commit: a crash before this line sends the outputs again on a later replay
    // (at least once there), never loses them.
    const delivered = all.filter(sendsOutputs).length;
    if (round !== undefined && delivered > 0) {
      await markDelivered(this.#opts.db, group, round).catch((err: unknown) =>
        log.warn({ group, error: (err as Error)?.name, count: delivered }, 'could not note outputs as delivered'),
      );
    }
    for (const b of batches) {
      if (b.queue.watermark.revoked) continue;
      b.queue.records.splice(0, b.records.length);
      b.queue.watermark.markCommitted((b.records[b.records.length - 1] as Pending).offset + 1n);
      this.#buffered -= b.records.length;
    }
    for (const p of all) if (p.eventId !== undefined && !p.duplicate && sendsNothing(p)) this.#taken.delete(p.eventId);
    if (this.#paused && this.#buffered < this.#policies.resumeBelow && !this.#stopping) {
      this.#paused = false;
      this.#fetcher?.resume();
    }
  }

  /**
   * Records whose decision was stored before (an event id seen at another offset, or a record above
   * its partition's decided mark that an earlier run decided anyway) take the stored decision: the
   * first one stands, and outputs already delivered are not sent again.
   */
  async #takeStoredDecisions(tx: Sql, decidedBefore: Pending[]): Promise<void> {
    if (decidedBefore.length === 0) return;
    const stored = await findDecisions<Decision>(tx, this.#decl.group, decidedBefore.map((p) => (p.event as ClinicalEvent).event_id));
    for (const p of decidedBefore) {
      const s = stored.get((p.event as ClinicalEvent).event_id);
      if (!s) continue;
      p.decision = s.outputs;
      p.delivered = s.delivered;
      p.reused = true;
      this.#stats.reused++;
    }
  }

  #addRecordsOf(p: Pending, out: OutgoingRecord[]): void {
    if (p.deadLetter) {
      const dlqKey = p.event?.event_type ?? 'undecodable';
      out.push({ topic: this.#opts.deadLetterTopic, key: Buffer.from(dlqKey), value: fetchedOf(p).value ?? Buffer.alloc(0), headers: p.deadLetter });
    }
    if (!p.delivered) for (const o of p.decision?.outputs ?? []) out.push(this.#encodeOutput(o, p));
  }

  #encodeOutput(o: OutputRecord, p: Pending): OutgoingRecord {
    return {
      topic: o.topic,
      key: Buffer.from(o.key),
      value: Buffer.from(JSON.stringify(o.value)),
      headers: {
        'content-type': 'application/json',
        vigil_source_event_id: p.event?.event_id ?? '',
        vigil_processor: this.#decl.group,
        ...o.headers,
      },
    };
  }

  #onCommitError(err: unknown): void {
    const codes = kafkaErrorCodes(err);
    const failed = ++this.#failedRounds;
    if (codes.includes('PRODUCER_FENCED') || codes.includes('INVALID_PRODUCER_EPOCH')) {
      // Two instances with one instance id take turns fencing each other, each restart a few seconds apart.
      log.error({ group: this.#decl.group, instance: this.#opts.instanceId, codes }, 'fenced: a newer producer holds this transactional id (this instance restarted, or another runs with the same instance id)');
    }
    if (codes.some((c) => FENCED.has(c)) || err instanceof CommitTimeoutError || err instanceof TransactionStuckError) return this.#fail(err as Error);
    if (failed >= FAILED_ROUNDS || (failed >= MISCONFIGURED_ROUNDS && codes.some((c) => MISCONFIGURED.has(c)))) {
      // Codes and counts only: a Kafka error message can name a topic, never a payload, but stay terse.
      return this.#fail(new Error(`commits failed ${failed} times in a row (${[...new Set(codes)].join(', ') || (err as Error)?.name})`, { cause: err }));
    }
    log.warn({ group: this.#decl.group, error: (err as Error)?.name, codes, failed }, 'commit failed; retrying');
  }
}
