// Dead-letter records: the original value bytes (still encrypted, when encryption is on) and
// headers saying where they came from and why they failed. Never payload text: the error is
// described by its class and, for our own validation errors, by field and rule.
import { EventValidationError } from '../event/envelope.ts';

export const DLQ_HEADER = {
  sourceTopic: 'vigil_dlq_source_topic',
  sourcePartition: 'vigil_dlq_source_partition',
  sourceOffset: 'vigil_dlq_source_offset',
  sourceKey: 'vigil_dlq_source_key',
  group: 'vigil_dlq_group',
  attempts: 'vigil_dlq_attempts',
  errorClass: 'vigil_dlq_error_class',
  errorRule: 'vigil_dlq_error_rule',
  failedAt: 'vigil_dlq_failed_at',
  /** Present when the record was parked behind an earlier failure of its key (hold-key policy). */
  parkedBehind: 'vigil_dlq_parked_behind',
} as const;

/** Headers on records re-delivered from the DLQ: which entry, and for which group only. */
export const REPLAY_HEADER = { of: 'vigil_replay_of', group: 'vigil_replay_group' } as const;

/** Error class for records parked by the hold-key policy. */
export const KEY_PARKED = 'KeyParked';

export interface FailedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  key: string;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface Failure {
  group: string;
  attempts: number;
  error: unknown;
  /** For parked records: the source offset of the failure they wait behind. */
  parkedBehind?: string;
}

/** A description of an error that is safe to travel: class and rule, no values. */
export function describeError(error: unknown): { errorClass: string; rule: string } {
  if (error instanceof EventValidationError) {
    return { errorClass: error.name, rule: error.errors.map((e) => `${e.field} ${e.rule}`).join('; ') };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    // Messages of arbitrary errors may quote data: only the class (and a code, if any) travels.
    return { errorClass: error.name, rule: typeof code === 'string' ? `code ${code}` : 'see worker logs by event id' };
  }
  return { errorClass: 'UnknownError', rule: 'a non-Error value was thrown' };
}

export function deadLetterHeaders(record: FailedRecord, failure: Failure, now = new Date()): Record<string, string> {
  const { errorClass, rule } = failure.parkedBehind !== undefined ? { errorClass: KEY_PARKED, rule: 'an earlier event of this key is in the dead-letter topic' } : describeError(failure.error);
  const headers: Record<string, string> = {
    // The original headers (ce_* metadata) travel along, so a replay restores the record as it was.
    ...record.headers,
    [DLQ_HEADER.sourceTopic]: record.topic,
    [DLQ_HEADER.sourcePartition]: String(record.partition),
    [DLQ_HEADER.sourceOffset]: String(record.offset),
    [DLQ_HEADER.sourceKey]: record.key,
    [DLQ_HEADER.group]: failure.group,
    [DLQ_HEADER.attempts]: String(failure.attempts),
    [DLQ_HEADER.errorClass]: errorClass,
    [DLQ_HEADER.errorRule]: rule,
    [DLQ_HEADER.failedAt]: now.toISOString(),
  };
  if (failure.parkedBehind !== undefined) headers[DLQ_HEADER.parkedBehind] = failure.parkedBehind;
  return headers;
}
