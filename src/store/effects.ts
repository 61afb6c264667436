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
    `SELECT e.event_id, e.outputs, (e.delivered_at IS NOT NULL OR r.round_id IS NOT NULL) AS delivered
     FROM effects e LEFT JOIN delivered_rounds r ON r.processor = e.processor AND r.round_id = e.round_id
     WHERE e.processor = $1 AND e.event_id = ANY($2::text[])`,
    [processor, eventIds],
  );
  return new Map(rows.map((r) => [r.event_id, { outputs: r.outputs, delivered: r.delivered }]));
}

/** A new commit round's id: the decisions it sends carry it, and one row marks them all delivered. */
export async function newRound(tx: Sql): Promise<bigint> {
  const [row] = await tx.query<{ id: string }>("SELECT nextval('effect_rounds')::text AS id");
  return BigInt((row as { id: string }).id);
}

/**
 * Stores decisions in `round`; returns the ids stored now. An id missing from the result was
 * decided before (by an earlier run or another instance): its first decision stands.
 */
export async function recordDecisions(tx: Sql, processor: string, round: bigint, decisions: { eventId: string; outputs: unknown }[]): Promise<Set<string>> {
  if (decisions.length === 0) return new Set();
  const ids = decisions.map((d) => d.eventId);
  // Without RETURNING (a fifth of the insert's cost): a count short of the batch is rare, and then
  // this round's own rows say which went in (no earlier row carries this round's id yet).
  const stored = await tx.run(
    `INSERT INTO effects (processor, event_id, outputs, round_id)
     SELECT $1, e, o::jsonb, $4 FROM unnest($2::text[], $3::text[]) AS t(e, o)
     ON CONFLICT (processor, event_id) DO NOTHING`,
    [processor, ids, decisions.map((d) => JSON.stringify(d.outputs)), round.toString()],
  );
  if (stored === new Set(ids).size) return new Set(ids);
  const rows = await tx.query<{ event_id: string }>(
    'SELECT event_id FROM effects WHERE processor = $1 AND event_id = ANY($2::text[]) AND round_id = $3',
    [processor, ids, round.toString()],
  );
  return new Set(rows.map((r) => r.event_id));
}

/**
 * Stored decisions whose outputs were never delivered (their round's Kafka transaction did not
 * commit) and that `round` sends now: they are delivered when it is.
 */
export async function moveToRound(tx: Sql, processor: string, round: bigint, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  // Only undelivered ones: a delivered decision moved to a round that then fails would look undelivered.
  await tx.query(
    `UPDATE effects e SET round_id = $3
     WHERE e.processor = $1 AND e.event_id = ANY($2::text[]) AND e.delivered_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM delivered_rounds r WHERE r.processor = e.processor AND r.round_id = e.round_id)`,
    [processor, eventIds, round.toString()],
  );
}

/** Notes that the round's outputs are committed to Kafka (after its transaction commits). */
export async function markDelivered(db: Sql, processor: string, round: bigint): Promise<void> {
  await db.query('INSERT INTO delivered_rounds (processor, round_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [processor, round.toString()]);
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

/**
 * Forgets this processor's delivered decisions made more than `keepMs` ago, and the marks of
 * delivered rounds that no decision refers to any more. An undelivered decision stays whatever its
 * age: its outputs still have to go out. A forgotten decision is made again if its event is read
 * again (a replay), so keep decisions as long as their events can be read. Deletes `chunk` rows a
 * statement, so that one call never holds an embedded store for long.
 */
export async function pruneDecisions(db: Sql, processor: string, keepMs: number, chunk = 5_000): Promise<{ decisions: number; rounds: number }> {
  let decisions = 0;
  for (;;) {
    const n = await db.run(
      `DELETE FROM effects WHERE (processor, event_id) IN (
         SELECT e.processor, e.event_id FROM effects e
         WHERE e.processor = $1 AND e.decided_at < now() - $2::bigint * interval '1 millisecond'
           AND (e.delivered_at IS NOT NULL
                OR EXISTS (SELECT 1 FROM delivered_rounds r WHERE r.processor = e.processor AND r.round_id = e.round_id))
         LIMIT $3)`,
      [processor, keepMs, chunk],
    );
    decisions += n;
    if (n < chunk) break;
  }
  const rounds = await db.run(
    `DELETE FROM delivered_rounds r
     WHERE r.processor = $1 AND r.delivered_at < now() - $2::bigint * interval '1 millisecond'
       AND NOT EXISTS (SELECT 1 FROM effects e WHERE e.processor = r.processor AND e.round_id = r.round_id)`,
    [processor, keepMs],
  );
  return { decisions, rounds };
}
