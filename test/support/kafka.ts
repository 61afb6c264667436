// Test helpers for a real broker: the suite runner (scripts/run-tests.ts) starts one and puts its
// address in KAFKA_BROKERS (and, for a SASL_SSL broker, its credentials in the VIGIL_KAFKA_*
// variables). Every test works on topics of its own, so files can run side by side. A file that
// imports this module runs in the suite's second pass too, against a SASL_SSL broker: reach the
// broker only through testConnection(), testClientOptions() or testKafkaEnv().
import { randomBytes } from 'node:crypto';
import { Admin, Consumer } from '@platformatic/kafka';
import { HeaderStrings } from '../../src/kafka/header-strings.ts';
import { PartitionFetcher } from '../../src/kafka/partition-fetcher.ts';
import { type KafkaClientConnectionOptions, type KafkaConnection, kafkaClientOptions, securityFromConfig } from '../../src/kafka/connection.ts';
import { type Topology, defaultTopology } from '../../src/topology/topology.ts';

export function testBootstrap(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run the tests with `npm test` (it starts a broker)');
  return brokers.split(',');
}

/** The test broker as every vigil client option object takes it: bootstrap plus security. */
export function testConnection(): KafkaConnection {
  return { bootstrap: testBootstrap(), security: securityFromConfig(undefined, process.env) };
}

/** The test broker as @platformatic/kafka's own clients take it (tests' raw producers and readers). */
export function testClientOptions(): KafkaClientConnectionOptions {
  return kafkaClientOptions(testConnection());
}

/**
 * The test broker as a vigil CLI child takes it: KAFKA_BROKERS plus the VIGIL_KAFKA_* security
 * variables (explicitly, so a test that passes its own env cannot drop them).
 */
export function testKafkaEnv(): Record<string, string> {
  const security = Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('VIGIL_KAFKA_') && e[1] !== undefined);
  return { KAFKA_BROKERS: testBootstrap().join(','), ...Object.fromEntries(security) };
}

export function uniqueSuffix(): string {
  return `${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** The default topology with every topic renamed `<name>-<suffix>`, for an isolated test run. */
export function isolatedTopology(suffix: string, base: Topology = defaultTopology): Topology {
  return { topics: base.topics.map((t) => ({ ...t, name: `${t.name}-${suffix}` })) };
}

export function topicOf(topology: Topology, prefix: string): string {
  const topic = topology.topics.find((t) => t.name.startsWith(`${prefix}-`));
  if (!topic) throw new Error(`no topic ${prefix} in the topology`);
  return topic.name;
}

export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin({ clientId: 'vigil-test-admin', ...testClientOptions() });
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

export interface ReadRecord {
  topic: string;
  partition: number;
  offset: bigint;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * Reads records from the start of the topics until `count` arrived, or `idleMs` passed without a
 * new one (then it returns what it has: the caller's assertion decides). Read committed, with the
 * workers' own fetcher: the client's stream lets through records of some aborted transactions
 * (for one, when the ABORT marker lies beyond its fetch), and a worker's aborted commit round
 * would then look like a duplicate output.
 */
export async function readRecords(topics: string[], count: number, idleMs = 5_000): Promise<ReadRecord[]> {
  const consumer = new Consumer<Buffer, Buffer, string, string>({ clientId: 'vigil-test-reader', groupId: `vigil-test-reader-${uniqueSuffix()}`, ...testClientOptions() });
  const records: ReadRecord[] = [];
  let fetcher: PartitionFetcher | undefined;
  try {
    const metadata = await consumer.metadata({ topics });
    const positions = topics.flatMap((topic) =>
      Array.from({ length: metadata.topics.get(topic)?.partitionsCount ?? 0 }, (_, partition) => ({ topic, partition, offset: undefined })),
    );
    await new Promise<void>((resolve, reject) => {
      let timer = setTimeout(resolve, idleMs);
      fetcher = new PartitionFetcher({
        consumer,
        positions,
        maxWaitMs: 200,
        maxBytes: 1024 * 1024,
        strings: new HeaderStrings([]),
        onRecord: (r) => {
          records.push({ topic: r.topic, partition: r.partition, offset: r.offset, key: r.key, value: r.value ?? Buffer.alloc(0), headers: Object.fromEntries(r.headers) });
          clearTimeout(timer);
          if (records.length >= count) resolve();
          else timer = setTimeout(resolve, idleMs);
        },
        onError: reject,
      });
      fetcher.start();
    });
  } finally {
    await fetcher?.close();
    await consumer.close(true);
  }
  return records;
}

/** Sum over partitions of the group's committed offsets on a topic (records it has finished). */
export async function committedCount(group: string, topic: string): Promise<bigint> {
  const groups = await withAdmin((admin) => admin.listConsumerGroupOffsets({ groups: [group] }));
  let total = 0n;
  for (const t of groups[0]?.topics ?? []) {
    if (t.name !== topic) continue;
    for (const p of t.partitions) if (p.committedOffset > 0n) total += p.committedOffset;
  }
  return total;
}

/** Sum over partitions of the topic's end offsets: what a group has finished once caught up. */
export async function endOffsetTotal(topic: string): Promise<bigint> {
  const consumer = new Consumer({ clientId: 'vigil-test-offsets', groupId: `vigil-test-offsets-${uniqueSuffix()}`, ...testClientOptions() });
  try {
    const ends = await consumer.listOffsets({ topics: [topic], timestamp: -1n });
    return (ends.get(topic) ?? []).reduce((a, b) => a + b, 0n);
  } finally {
    await consumer.close(true);
  }
}

/** Committed offset of one partition (-1 when none). */
export async function committedOffset(group: string, topic: string, partition: number): Promise<bigint> {
  const groups = await withAdmin((admin) => admin.listConsumerGroupOffsets({ groups: [group] }));
  return groups[0]?.topics.find((t) => t.name === topic)?.partitions.find((p) => p.partitionIndex === partition)?.committedOffset ?? -1n;
}

/** Polls until `check` returns true; fails after `timeoutMs` with `what` in the message. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
