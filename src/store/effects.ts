// The idempotency primitive: a processor's decision for an event, stored once.
import type { Sql } from './db.ts';

export interface StoredDecision<T> {
  outputs: T;
  /** Its output records were committed to Kafka already: they are not sent again. */
  delivered: boolean;
}

/** Decisions already stored for these events, by event id (a replay reuses them). */
export async function findDecisions<T>(db: Sql, processor: string, eventIds: string[]): Promise<Map<string, StoredDecision<T>>> {
  if (eventIds.length === 0) return new Map();
  const rows = await db.query<{ event_id: string; outputs: T; delivered: boolean }>(
    'SELECT event_id, outputs, delivered_at IS NOT NULL AS delivered FROM effects WHERE processor = $1 AND event_id = ANY($2::text[])',
    [processor, eventIds],
  );
  return new Map(rows.map((r) => [r.event_id, { outputs: r.outputs, delivered: r.delivered }]));
}

/** Notes that these decisions' outputs are committed to Kafka (after the transaction commits). */
export async function markDelivered(db: Sql, processor: string, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await db.query(
    'UPDATE effects SET delivered_at = now() WHERE processor = $1 AND event_id = ANY($2::text[]) AND delivered_at IS NULL',
    [processor, eventIds],
  );
}

/**
 * Stores decisions in one statement; returns the ids stored now. An id missing from the result was
 * decided before (by an earlier run or another instance): its first decision stands.
 */
export async function recordDecisions(tx: Sql, processor: string, decisions: { eventId: string; outputs: unknown }[]): Promise<Set<string>> {
  if (decisions.length === 0) return new Set();
  const rows = await tx.query<{ event_id: string }>(
    `INSERT INTO effects (processor, event_id, outputs)
     SELECT $1, e, o::jsonb FROM unnest($2::text[], $3::text[]) AS t(e, o)
     ON CONFLICT (processor, event_id) DO NOTHING
     RETURNING event_id`,
    [processor, decisions.map((d) => d.eventId), decisions.map((d) => JSON.stringify(d.outputs))],
  );
  return new Set(rows.map((r) => r.event_id));
}

export interface DecidedOffset {
  topic: string;
  partition: number;
  /** Every decision stored for this partition is for a record below this offset (or a duplicate id). */
  next: bigint;
}

/** Moves the partitions' marks forward (never back), in the transaction that stores their decisions. */
export async function recordDecidedOffsets(tx: Sql, processor: string, offsets: DecidedOffset[]): Promise<void> {
  if (offsets.length === 0) return;
  await tx.query(
    `INSERT INTO decided_offsets (processor, topic, partition, next_offset)
     SELECT $1, t, p, o FROM unnest($2::text[], $3::int[], $4::bigint[]) AS x(t, p, o)
     ON CONFLICT (processor, topic, partition) DO UPDATE SET next_offset = GREATEST(decided_offsets.next_offset, EXCLUDED.next_offset)`,
    [processor, offsets.map((o) => o.topic), offsets.map((o) => o.partition), offsets.map((o) => o.next.toString())],
  );
}

/** Each partition's mark for this processor; partitions without one never had a decision stored. */
export async function decidedOffsets(db: Sql, processor: string): Promise<DecidedOffset[]> {
  const rows = await db.query<{ topic: string; partition: number; next_offset: string }>(
    'SELECT topic, partition, next_offset::text AS next_offset FROM decided_offsets WHERE processor = $1',
    [processor],
  );
  return rows.map((r) => ({ topic: r.topic, partition: r.partition, next: BigInt(r.next_offset) }));
}
