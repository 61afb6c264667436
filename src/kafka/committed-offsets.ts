// Where a consumer group resumes after it is given partitions. Read with requireStable (KIP-447):
// while another member's transaction that commits offsets is still open, the broker answers
// UNSTABLE_OFFSET_COMMIT (retried) instead of the offset from before it, so a new owner never starts
// behind offsets whose outputs are about to be committed, and never sends those outputs twice.
import type { Admin } from '@platformatic/kafka';

export interface PartitionAssignment {
  topic: string;
  partitions: number[];
}

export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: bigint;
}

/** The group's committed offsets on the given partitions; partitions it never committed are left out. */
export async function stableCommittedOffsets(admin: Admin, groupId: string, assigned: PartitionAssignment[]): Promise<PartitionOffset[]> {
  const topics = assigned.filter((a) => a.partitions.length > 0).map((a) => ({ name: a.topic, partitionIndexes: a.partitions }));
  if (topics.length === 0) return [];
  const groups = await admin.listConsumerGroupOffsets({ groups: [{ groupId, topics }], requireStable: true });
  const out: PartitionOffset[] = [];
  for (const group of groups) {
    for (const topic of group.topics) {
      for (const p of topic.partitions) if (p.committedOffset >= 0n) out.push({ topic: topic.name, partition: p.partitionIndex, offset: p.committedOffset });
    }
  }
  return out;
}
