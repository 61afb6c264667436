// A worker is a declaration: which group reads which topics, the processor that decides, and the
// policies around it (Karafka-style: retry, dead-letter and pause rules sit beside the consumer).
// Processors see events and plain values only; no Kafka type reaches them.
import type { ClinicalEvent, JsonObject } from '../event/envelope.ts';
import type { Sql } from '../store/db.ts';

/** A record for an output topic. Written in the same Kafka transaction as the input's offset. */
export interface OutputRecord {
  topic: string;
  key: string;
  value: JsonObject;
  headers?: Record<string, string>;
}

/** What a processor decided for one event. Stored once per (group, event_id) and reused on replay. */
export interface Decision {
  outputs?: OutputRecord[];
  /** Store writes, applied by the worker's `store` hook exactly once, with the decision. */
  writes?: JsonObject[];
}

export interface ProcessorContext {
  /** 1 for the first try, then 2, 3... on retries. */
  attempt: number;
  /** Aborted when the worker stops: long AI calls should give up. */
  signal: AbortSignal;
}

export type Processor = (event: ClinicalEvent, ctx: ProcessorContext) => Decision | Promise<Decision>;

/** Thrown by a processor for a failure that retrying cannot fix (bad data, a rule violation). */
export class NonRetryableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonRetryableError';
  }
}

export interface RetryPolicy {
  /** Tries in all, including the first. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** No retry starts after this much time since the first try. */
  maxElapsedMs: number;
}

/**
 * What happens to a patient's later events after one of theirs went to the dead-letter topic:
 * `continue` processes them; `hold-key` parks them (to the DLQ, in order) until the failed entry is
 * replayed or released, so they are never processed around it.
 */
export type DeadLetterPolicy = 'continue' | 'hold-key';

export interface WorkerPolicies {
  /** Events of different keys processed at once. */
  concurrency: number;
  /**
   * Records fetched and not yet committed; fetching pauses at this many. Defaults to
   * BUFFER_PER_SLOT times `concurrency`, at least 5,000.
   */
  maxBuffered: number;
  /** Fetching resumes below this many. */
  resumeBelow: number;
  /** How often completed work is committed (one Kafka transaction each time). */
  commitIntervalMs: number;
  /** A commit round not finished by then is abandoned and the worker fails (for its supervisor to restart). */
  commitTimeoutMs: number;
  retry: RetryPolicy;
  deadLetter: DeadLetterPolicy;
  /** Processor calls per second, for external AI services; unlimited when absent. */
  ratePerSecond?: number;
  /** On shutdown or revocation: how long running work may take to finish. */
  shutdownGraceMs: number;
}

export const DEFAULT_POLICIES: WorkerPolicies = {
  concurrency: 256,
  maxBuffered: 5_000,
  resumeBelow: 2_500,
  commitIntervalMs: 50,
  commitTimeoutMs: 30_000,
  retry: { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 5_000, maxElapsedMs: 60_000 },
  deadLetter: 'continue',
  shutdownGraceMs: 10_000,
};

export interface WorkerDeclaration {
  /** Consumer group; also the processor's name in the effects store. */
  group: string;
  topics: string[];
  processor: Processor;
  policies?: Partial<WorkerPolicies>;
  /** Applies a decision's writes inside the store transaction that records the decision. */
  store?: (tx: Sql, event: { event_id: string; patient_id: string }, writes: JsonObject[]) => Promise<void>;
}

/**
 * Buffer room per concurrency slot. Finished records wait in the buffer until their partition's
 * watermark passes them, and one patient's queued event holds up every record after it in its
 * partition, so the buffer must be many times the work in flight or fetching pauses while slots
 * sit idle (in the key-parallel benchmark at concurrency 1024: 22x with 5,000, 42x with 20,000).
 */
export const BUFFER_PER_SLOT = 20;

export function resolvePolicies(partial: Partial<WorkerPolicies> = {}): WorkerPolicies {
  const p = { ...DEFAULT_POLICIES, ...partial, retry: { ...DEFAULT_POLICIES.retry, ...partial.retry } };
  if (partial.maxBuffered === undefined) p.maxBuffered = Math.max(DEFAULT_POLICIES.maxBuffered, BUFFER_PER_SLOT * p.concurrency);
  if (partial.resumeBelow === undefined) p.resumeBelow = Math.floor(p.maxBuffered / 2);
  if (p.resumeBelow >= p.maxBuffered) throw new RangeError('policies.resumeBelow must be below maxBuffered');
  if (p.concurrency < 1 || p.maxBuffered < 1 || p.commitIntervalMs < 1 || p.commitTimeoutMs < 1) throw new RangeError('policies must be positive');
  return p;
}
