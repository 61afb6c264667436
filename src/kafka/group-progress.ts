// How far a consumer group has got on given partitions, against where those partitions end now.
// Used to wait, across topics, for a group (the patient timeline) to have finished every record
// appended before some moment. Offsets only: nothing here reads a record.
import { Admin, FetchIsolationLevels, compatibilityPartitioner } from '@platformatic/kafka';
import { type KafkaConnection, kafkaClientOptions } from './connection.ts';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A partition and the offset a group must have committed to have finished everything before it. */
export interface PartitionTarget extends TopicPartition {
  offset: bigint;
}

export class GroupProgress {
  readonly #admin: Admin;
  readonly #counts = new Map<string, number>();

  constructor(opts: KafkaConnection & { clientId: string }) {
    this.#admin = new Admin({ clientId: `${opts.clientId}-progress`, ...kafkaClientOptions(opts) });
  }

  /** The partition a record with this key is in: Kafka's murmur2 partitioner, as every vigil producer uses. */
  async partitionOf(topic: string, key: string): Promise<TopicPartition> {
    let count = this.#counts.get(topic);
    if (count === undefined) {
      const metadata = await this.#admin.metadata({ topics: [topic] });
      count = metadata.topics.get(topic)?.partitionsCount;
      if (!count) throw new Error(`no such topic: ${topic}`);
      this.#counts.set(topic, count);
    }
    return { topic, partition: compatibilityPartitioner({ topic }, Buffer.from(key)) % count };
  }

  /** Where the partitions end now, as read_committed readers see them (the last stable offset). */
  async endOffsets(partitions: TopicPartition[]): Promise<PartitionTarget[]> {
    const topics = partitionsByTopic(partitions);
    const listed = await this.#admin.listOffsets({
      topics: [...topics].map(([name, ps]) => ({ name, partitions: ps.map((p) => ({ partitionIndex: p, timestamp: -1n })) })),
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    });
    return listed.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.offset })));
  }

  /** The targets `group` has not committed up to yet (an empty list: it has finished them all). */
  async behind(group: string, targets: PartitionTarget[]): Promise<PartitionTarget[]> {
    const topics = partitionsByTopic(targets);
    const [offsets] = await this.#admin.listConsumerGroupOffsets({
      groups: [{ groupId: group, topics: [...topics].map(([name, ps]) => ({ name, partitionIndexes: ps })) }],
    });
    const committed = new Map<string, bigint>();
    for (const t of offsets?.topics ?? []) for (const p of t.partitions) committed.set(`${t.name}\u0000${p.partitionIndex}`, p.committedOffset);
    // An empty partition (end 0) needs nothing; otherwise the commit must reach the end (-1: none yet).
    return targets.filter((t) => t.offset > 0n && (committed.get(`${t.topic}\u0000${t.partition}`) ?? -1n) < t.offset);
  }

  async close(): Promise<void> {
    await this.#admin.close();
  }
}

function partitionsByTopic(partitions: TopicPartition[]): Map<string, number[]> {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    const list = byTopic.get(topic) ?? [];
    if (!list.includes(partition)) list.push(partition);
    byTopic.set(topic, list);
  }
  return byTopic;
}
