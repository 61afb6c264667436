// Two workarounds for transactions in @platformatic/kafka 2.x.
// - Under ACLs: the client sends AddPartitionsToTxn at the highest version the broker offers, but
//   versions 4 and up are the broker-to-broker form: Kafka answers them with
//   CLUSTER_AUTHORIZATION_FAILED unless the principal holds CLUSTER_ACTION (a broker's own
//   privilege). Java clients send version 3 at most; so does a producer passed to
//   useClientRequestVersions. Without it, a transactional worker works only as a super user.
// - Offsets of many partitions in one request (commitOffsetsInTransaction), with public client API.
// - A short retry when a transaction starts while the last one is still being completed.
import { type Message, type Producer, type RetryDelayGetter, txnOffsetCommitV4 } from '@platformatic/kafka';
import { kafkaErrorCodes } from './error-codes.ts';

interface ConsumerMetadata {
  groupId: string;
  generationId: number;
  memberId: string;
  coordinatorId: number;
}

const LIST_APIS = 'plt.kafka.base.listApis';
const CLIENT_MAX_VERSION: Record<string, number> = { AddPartitionsToTxn: 3 };

interface ApiVersion {
  name: string;
  maxVersion: number;
}
type ListApis = (callback: (error: Error | null, apis?: ApiVersion[]) => void) => void;

function findSymbol(target: object, description: string): symbol | undefined {
  for (let proto: object | null = target; proto; proto = Object.getPrototypeOf(proto) as object | null) {
    const found = Object.getOwnPropertySymbols(proto).find((s) => s.description === description);
    if (found) return found;
  }
  return undefined;
}

/** Caps the producer's request versions to the client forms; throws if the client changed shape. */
export function useClientRequestVersions<P extends Producer<Buffer, Buffer, string, string>>(producer: P): P {
  const key = findSymbol(producer, LIST_APIS);
  const holder = producer as unknown as Record<symbol, ListApis>;
  const original = key ? holder[key] : undefined;
  if (!key || typeof original !== 'function') {
    throw new Error('@platformatic/kafka changed: cannot cap AddPartitionsToTxn to its client version (see src/kafka/transactional-producer.ts)');
  }
  holder[key] = (callback) =>
    original.call(producer, (error, apis) => {
      callback(
        error,
        apis?.map((api) => {
          const cap = CLIENT_MAX_VERSION[api.name];
          return cap === undefined ? api : { ...api, maxVersion: Math.min(api.maxVersion, cap) };
        }),
      );
    });
  return producer;
}

/** The offsets a transaction commits: the last finished record of each partition, as consumed. */
type ConsumedRecord = Pick<Message<Buffer, Buffer, string, string>, 'topic' | 'partition' | 'offset' | 'metadata'>;

/**
 * Commits the consumer group's offsets past `records` inside the producer's open transaction, all
 * partitions in one TxnOffsetCommit request. The client's `Transaction.addOffset` sends a request
 * per partition, one after another (concurrent calls are deduplicated under one key: all but the
 * first are dropped while each reports success), so a round over n partitions took n round trips,
 * each of which could wait behind a whole fetch being processed. Requires `tx.addConsumer` first.
 * Every record must come from one consumer generation (its metadata; checked): the broker refuses
 * a commit from a stale generation (ILLEGAL_GENERATION), which fences a member that lost its
 * partitions.
 */
export async function commitOffsetsInTransaction(
  producer: Producer<Buffer, Buffer, string, string>,
  tx: { readonly id: string },
  records: ConsumedRecord[],
): Promise<void> {
  const first = records[0];
  if (!first) return;
  const { groupId, generationId, memberId, coordinatorId } = first.metadata.consumer as ConsumerMetadata;
  // One request carries one generation: a record fetched in another must not ride on it, or a
  // partition this member lost could be committed under a generation that is still valid.
  for (const r of records) {
    const c = r.metadata.consumer as ConsumerMetadata;
    if (c.groupId !== groupId || c.generationId !== generationId || c.memberId !== memberId) {
      throw new Error('the offsets to commit come from different consumer generations');
    }
  }
  const { producerId, producerEpoch } = producer;
  if (producerId === undefined || producerEpoch === undefined) throw new Error('the producer has no producer id: begin a transaction first');
  const byTopic = new Map<string, ConsumedRecord[]>();
  for (const r of records) {
    const list = byTopic.get(r.topic);
    if (list) list.push(r);
    else byTopic.set(r.topic, [r]);
  }
  const metadata = await producer.metadata({ topics: [...byTopic.keys()] });
  const coordinator = metadata.brokers.get(coordinatorId);
  if (!coordinator) throw new Error(`group coordinator ${coordinatorId} is not in the cluster metadata`);
  const topics = [...byTopic].map(([name, list]) => ({
    name,
    partitions: list.map((r) => ({
      partitionIndex: r.partition,
      committedOffset: r.offset + 1n,
      committedLeaderEpoch: metadata.topics.get(name)?.partitions[r.partition]?.leaderEpoch ?? -1,
    })),
  }));
  const connection = await producer.connections.get(coordinator);
  await txnOffsetCommitV4.api.async(connection, tx.id, groupId, producerId, producerEpoch, generationId, memberId, null, topics);
}

/** The client's default wait before a retry. */
const RETRY_DELAY_MS = 1_000;
/** The Java producer's wait on CONCURRENT_TRANSACTIONS. */
const CONCURRENT_TRANSACTIONS_RETRY_MS = 20;

/**
 * A transactional producer's retry delay. The broker answers CONCURRENT_TRANSACTIONS while it still
 * writes the previous transaction's commit markers, which takes milliseconds; the client's one
 * second for every retry made such a round take a second.
 */
export const TRANSACTION_RETRY_DELAY: RetryDelayGetter = (_client, _operation, _attempt, _retries, error) =>
  kafkaErrorCodes(error).includes('CONCURRENT_TRANSACTIONS') ? CONCURRENT_TRANSACTIONS_RETRY_MS : RETRY_DELAY_MS;
