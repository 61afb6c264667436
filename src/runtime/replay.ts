// Replay by offset reset: moves a consumer group's committed offsets back (or to a point in time),
// so its workers read those records again. Safe because decisions are stored per (group, event_id)
// and reused (invariant 2): a replay re-sends the same outputs without calling processors again.
// Only for a group with no live member: a running worker would overwrite the reset at its next
// commit, and Kafka refuses commits from outside a live group anyway.
import { Admin, FetchIsolationLevels } from '@platformatic/kafka';
import { type KafkaConnection, kafkaClientOptions } from '../kafka/connection.ts';
import { kafkaErrorCodes } from '../kafka/error-codes.ts';
import { logger } from '../phi/log.ts';
import type { Topology } from '../topology/topology.ts';

export type ReplayTarget = { kind: 'earliest' } | { kind: 'time'; at: Date } | { kind: 'offset'; offset: bigint };

export interface ResetOffsetsOptions extends KafkaConnection {
  clientId?: string;
  topology: Topology;
  group: string;
  to: ReplayTarget;
  /** Only this topic; by default every topic the topology lists the group as a consumer of. */
  topic?: string;
  /** Only this partition (needs `topic`). */
  partition?: number;
  /** Compute and report, change nothing. */
  dryRun?: boolean;
}

export interface PartitionReset {
  topic: string;
  partition: number;
  /** The committed offset before; null when the group had none there. */
  from: bigint | null;
  to: bigint;
}

export interface ResetResult {
  group: string;
  applied: boolean;
  partitions: PartitionReset[];
}

/** A request that cannot be carried out as asked (unknown topic, offset without a topic...). */
export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayError';
  }
}

/** The group has live members: offsets are only moved while it is empty. */
export class GroupActiveError extends Error {
  readonly group: string;
  readonly state: string;
  readonly members: number;
  constructor(group: string, state: string, members: number) {
    super(`consumer group ${group} is active (state ${state}, ${members} member(s)): stop its workers first`);
    this.name = 'GroupActiveError';
    this.group = group;
    this.state = state;
    this.members = members;
  }
}

const log = logger('replay');
const EARLIEST = -2n;
const LATEST = -1n;
// Kafka's answers when a commit comes from outside a group that has members.
const LIVE_GROUP_CODES = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID', 'STALE_MEMBER_EPOCH']);

/** `earliest`, an ISO 8601 date-time (with a date), or a non-negative offset. */
export function parseReplayTarget(text: string): ReplayTarget {
  if (text === 'earliest') return { kind: 'earliest' };
  if (/^\d+$/.test(text)) return { kind: 'offset', offset: BigInt(text) };
  const ms = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(ms)) return { kind: 'time', at: new Date(ms) };
  throw new ReplayError(`--to must be earliest, an ISO 8601 time (2026-11-26T08:30:00Z) or an offset`);
}

/** Throws GroupActiveError unless the group is empty (or unknown to the cluster). */
export async function assertGroupIdle(admin: Admin, group: string): Promise<void> {
  const described = (await admin.describeGroups({ groups: [group] })).get(group);
  if (!described) return;
  const members = described.members.size;
  if (members > 0 || (described.state !== 'Empty' && described.state !== 'Dead')) {
    throw new GroupActiveError(group, described.state, members);
  }
}

function groupTopics(opts: ResetOffsetsOptions): string[] {
  if (opts.topic) return [opts.topic];
  const topics = opts.topology.topics.filter((t) => t.consumers.includes(opts.group)).map((t) => t.name);
  if (topics.length === 0) throw new ReplayError(`the topology lists no topic read by ${opts.group}: name one with --topic`);
  return topics;
}

async function partitionsOf(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  let metadata;
  try {
    metadata = await admin.metadata({ topics });
  } catch (err) {
    if (kafkaErrorCodes(err).includes('UNKNOWN_TOPIC_OR_PARTITION')) throw new ReplayError(`no such topic: ${topics.join(', ')}`);
    throw err;
  }
  const counts = new Map<string, number>();
  for (const name of topics) {
    const count = metadata.topics.get(name)?.partitionsCount;
    if (!count) throw new ReplayError(`no such topic: ${name}`);
    counts.set(name, count);
  }
  return counts;
}

/** Offsets per topic/partition for one ListOffsets timestamp (-2 earliest, -1 end, else ms). */
async function offsetsAt(admin: Admin, wanted: { topic: string; partition: number }[], timestamp: bigint): Promise<Map<string, bigint>> {
  const byTopic = new Map<string, number[]>();
  for (const w of wanted) byTopic.set(w.topic, [...(byTopic.get(w.topic) ?? []), w.partition]);
  const listed = await admin.listOffsets({
    topics: [...byTopic].map(([name, parts]) => ({ name, partitions: parts.map((partitionIndex) => ({ partitionIndex, timestamp })) })),
    // The end a read_committed worker can reach: never past an open transaction.
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
  });
  const out = new Map<string, bigint>();
  for (const t of listed) for (const p of t.partitions) out.set(`${t.name}:${p.partitionIndex}`, p.offset);
  return out;
}

/** Moves the group's committed offsets; refuses while the group has live members. */
export async function resetGroupOffsets(opts: ResetOffsetsOptions): Promise<ResetResult> {
  if (opts.to.kind === 'offset' && !opts.topic) throw new ReplayError('an explicit offset needs --topic (it applies to every partition, or to --partition)');
  if (opts.partition !== undefined && !opts.topic) throw new ReplayError('--partition needs --topic');
  const topics = groupTopics(opts);
  const admin = new Admin({ clientId: `${opts.clientId ?? 'vigil'}-replay`, ...kafkaClientOptions(opts) });
  try {
    await assertGroupIdle(admin, opts.group);
    const counts = await partitionsOf(admin, topics);
    const wanted: { topic: string; partition: number }[] = [];
    for (const [topic, count] of counts) {
      if (opts.partition !== undefined) {
        if (!Number.isInteger(opts.partition) || opts.partition < 0 || opts.partition >= count) throw new ReplayError(`${topic} has partitions 0 to ${count - 1}`);
        wanted.push({ topic, partition: opts.partition });
      } else {
        for (let partition = 0; partition < count; partition++) wanted.push({ topic, partition });
      }
    }

    const committed = new Map<string, bigint>();
    const [offsets] = await admin.listConsumerGroupOffsets({ groups: [opts.group] });
    for (const t of offsets?.topics ?? []) for (const p of t.partitions) if (p.committedOffset >= 0n) committed.set(`${t.name}:${p.partitionIndex}`, p.committedOffset);

    const earliest = await offsetsAt(admin, wanted, EARLIEST);
    const end = await offsetsAt(admin, wanted, LATEST);
    const atTime = opts.to.kind === 'time' ? await offsetsAt(admin, wanted, BigInt(opts.to.at.getTime())) : undefined;
    const partitions = wanted.map(({ topic, partition }): PartitionReset => {
      const id = `${topic}:${partition}`;
      const low = earliest.get(id) ?? 0n;
      const high = end.get(id) ?? low;
      let to: bigint;
      if (opts.to.kind === 'earliest') to = low;
      // No record at or after that time: the end, so nothing older is read again.
      else if (opts.to.kind === 'time') to = (atTime?.get(id) ?? -1n) < 0n ? high : (atTime?.get(id) as bigint);
      // Kafka would accept an offset outside the log and the consumer would then jump to a default:
      // keep it inside what the partition holds instead.
      else to = opts.to.offset < low ? low : opts.to.offset > high ? high : opts.to.offset;
      return { topic, partition, from: committed.get(id) ?? null, to };
    });

    if (!opts.dryRun) {
      const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
      for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), { partition: p.partition, offset: p.to }]);
      try {
        await admin.alterConsumerGroupOffsets({ groupId: opts.group, topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })) });
      } catch (err) {
        // A worker joined between the check and the commit: Kafka refused it, and said why.
        if (kafkaErrorCodes(err).some((c) => LIVE_GROUP_CODES.has(c))) throw new GroupActiveError(opts.group, 'joined during the reset', 1);
        throw err;
      }
    }
    log.info({ group: opts.group, topics, target: opts.to.kind, partitions: partitions.length, dryRun: Boolean(opts.dryRun) }, opts.dryRun ? 'group offsets computed (dry run)' : 'group offsets reset');
    return { group: opts.group, applied: !opts.dryRun, partitions };
  } finally {
    await admin.close();
  }
}
