// What people did with dead-letter entries (the DLQ topic itself is never changed). An entry is
// open until it is replayed, released or purged; the latest action is its state.
import type { Sql } from './db.ts';

export const RESOLUTION_ACTIONS = ['replayed', 'released', 'purged'] as const;
export type ResolutionAction = (typeof RESOLUTION_ACTIONS)[number];

export interface Resolution {
  action: ResolutionAction;
  at: string;
  by: string;
}

export interface EntryAddress {
  partition: number;
  offset: bigint;
}

function addressKey(partition: number, offset: bigint | string): string {
  return `${partition}:${offset}`;
}

export async function recordResolutions(db: Sql, topic: string, entries: EntryAddress[], action: ResolutionAction, actor: string): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO dlq_resolutions (dlq_topic, dlq_partition, dlq_offset, action, resolved_by)
     SELECT $1, p, o, $4, $5 FROM unnest($2::int[], $3::bigint[]) AS x(p, o)
     ON CONFLICT (dlq_topic, dlq_partition, dlq_offset) DO UPDATE SET action = EXCLUDED.action, resolved_at = now(), resolved_by = EXCLUDED.resolved_by`,
    [topic, entries.map((e) => e.partition), entries.map((e) => String(e.offset)), action, actor],
  );
}

/** Every resolution of a DLQ topic, by `<partition>:<offset>`. */
export async function resolutionsOf(db: Sql, topic: string): Promise<Map<string, Resolution>> {
  const rows = await db.query<{ dlq_partition: number; dlq_offset: string; action: ResolutionAction; resolved_at: Date | string; resolved_by: string }>(
    'SELECT dlq_partition, dlq_offset::text, action, resolved_at, resolved_by FROM dlq_resolutions WHERE dlq_topic = $1',
    [topic],
  );
  return new Map(rows.map((r) => [addressKey(r.dlq_partition, r.dlq_offset), { action: r.action, at: new Date(r.resolved_at).toISOString(), by: r.resolved_by }]));
}

export function resolutionOf(resolutions: Map<string, Resolution>, entry: EntryAddress): Resolution | null {
  return resolutions.get(addressKey(entry.partition, entry.offset)) ?? null;
}
