// Keys parked by the hold-key policy, per consumer group.
import { createHash } from 'node:crypto';
import type { Sql } from './db.ts';

export interface ParkedKey {
  group: string;
  key: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  parkedAt: string;
}

export async function parkKeys(tx: Sql, group: string, keys: { key: string; topic: string; partition: number; offset: bigint }[]): Promise<void> {
  if (keys.length === 0) return;
  await tx.query(
    `INSERT INTO parked_keys (group_id, record_key, source_topic, source_partition, source_offset)
     SELECT $1, k, t, p, o FROM unnest($2::text[], $3::text[], $4::int[], $5::bigint[]) AS x(k, t, p, o)
     ON CONFLICT (group_id, record_key) DO NOTHING`,
    [group, keys.map((k) => k.key), keys.map((k) => k.topic), keys.map((k) => k.partition), keys.map((k) => String(k.offset))],
  );
}

export async function listParkedKeys(db: Sql, group?: string): Promise<ParkedKey[]> {
  const rows = await db.query<{ group_id: string; record_key: string; source_topic: string; source_partition: number; source_offset: string; parked_at: Date }>(
    `SELECT group_id, record_key, source_topic, source_partition, source_offset::text, parked_at FROM parked_keys
     WHERE $1::text IS NULL OR group_id = $1 ORDER BY parked_at, group_id, record_key`,
    [group ?? null],
  );
  return rows.map((r) => ({
    group: r.group_id,
    key: r.record_key,
    sourceTopic: r.source_topic,
    sourcePartition: r.source_partition,
    sourceOffset: r.source_offset,
    parkedAt: new Date(r.parked_at).toISOString(),
  }));
}

/** Releases a parked key; returns false when it was not parked. */
export async function releaseKey(db: Sql, group: string, key: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM parked_keys WHERE group_id = $1 AND record_key = $2 RETURNING 1', [group, key]);
  return rows.length > 0;
}

/**
 * A key's reference for people and logs: keys are patient ids, so screens and the audit log name
 * a parked key by this digest (stable per group and key) instead.
 */
export function keyFingerprint(group: string, key: string): string {
  return createHash('sha256').update(`${group}\u0000${key}`).digest('hex').slice(0, 16);
}
