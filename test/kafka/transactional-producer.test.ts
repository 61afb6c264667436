// Offsets of several partitions committed in one request inside a transaction (the client's own
// addOffset sends one per partition, and drops concurrent ones), and the short retry on
// CONCURRENT_TRANSACTIONS. Against the real broker.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer, type Message, type MessagesStream, MessagesStreamModes, MultipleErrors, Producer, ProtocolError, stringSerializer } from '@platformatic/kafka';
import { stableCommittedOffsets } from '../../src/kafka/committed-offsets.ts';
import { TRANSACTION_RETRY_DELAY, commitOffsetsInTransaction, useClientRequestVersions } from '../../src/kafka/transactional-producer.ts';
import { testClientOptions, uniqueSuffix, withAdmin } from '../support/kafka.ts';

const PARTITIONS = 3;

describe('commitOffsetsInTransaction against a real broker', () => {
  const run = uniqueSuffix();
  const topic = `txn-offsets-${run}`;
  const group = `txn-offsets-${run}`;
  let consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  let producer: Producer<Buffer, Buffer, string, string>;

  before(async () => {
    await withAdmin((admin) => admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 }));
    producer = useClientRequestVersions(
      new Producer<Buffer, Buffer, string, string>({
        clientId: 'vigil-test-txn',
        ...testClientOptions(),
        transactionalId: `vigil-test-txn-${run}`,
        idempotent: true,
        producerId: -1n,
        producerEpoch: -1,
        serializers: { headerKey: stringSerializer, headerValue: stringSerializer },
        retryDelay: TRANSACTION_RETRY_DELAY,
      }),
    );
    consumer = new Consumer({ clientId: 'vigil-test-txn', groupId: group, ...testClientOptions(), autocommit: false, maxWaitTime: 200 });
  });
  after(async () => {
    await consumer.close(true);
    await producer.close();
  });

  /** Sends `perPartition` records to each partition, then reads until they arrived: the last one of each partition. */
  async function sendAndRead(perPartition: number, stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>) {
    const last = new Map<number, Message<Buffer, Buffer, Buffer, Buffer>>();
    const count = PARTITIONS * perPartition;
    let seen = 0;
    const all = Promise.withResolvers<void>();
    const onData = (m: Message<Buffer, Buffer, Buffer, Buffer>) => {
      last.set(m.partition, m);
      if (++seen === count) all.resolve();
    };
    stream.on('data', onData);
    const plain = new Producer<Buffer, Buffer, string, string>({ clientId: 'vigil-test-plain', ...testClientOptions() });
    try {
      const messages = Array.from({ length: count }, (_, i) => ({ topic, partition: i % PARTITIONS, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) }));
      await plain.send({ messages });
      await all.promise;
    } finally {
      stream.off('data', onData);
      await plain.close();
    }
    return [...last.values()];
  }

  it('commits every partition in the transaction, and nothing when it is aborted', async () => {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
    try {
      const lasts = await sendAndRead(4, stream);
      assert.equal(lasts.length, PARTITIONS);
      const tx = await producer.beginTransaction();
      await tx.addConsumer(consumer);
      await commitOffsetsInTransaction(producer, tx, lasts);
      await tx.commit();
      // Read stable: an offset commit of a transaction still being completed is waited for.
      const stable = async () =>
        (await withAdmin((admin) => stableCommittedOffsets(admin, group, [{ topic, partitions: [0, 1, 2] }]))).sort((a, b) => a.partition - b.partition);
      const atFour = [0, 1, 2].map((partition) => ({ topic, partition, offset: 4n }));
      assert.deepEqual(await stable(), atFour);

      const more = await sendAndRead(1, stream);
      const aborted = await producer.beginTransaction();
      await aborted.addConsumer(consumer);
      await commitOffsetsInTransaction(producer, aborted, more);
      await aborted.abort();
      assert.deepEqual(await stable(), atFour, 'an aborted transaction moves no offset');
    } finally {
      await stream.close();
    }
  });

  it('refuses offsets fetched in different consumer generations', async () => {
    const consumed = (partition: number, generationId: number) => ({
      topic,
      partition,
      offset: 0n,
      metadata: { consumer: { groupId: group, generationId, memberId: 'm', coordinatorId: 1 } },
    });
    await assert.rejects(commitOffsetsInTransaction(producer, { id: 'unused' }, [consumed(0, 7), consumed(1, 8)]), /different consumer generations/);
  });
});

describe('TRANSACTION_RETRY_DELAY', () => {
  it('retries CONCURRENT_TRANSACTIONS after 20 ms and anything else after the client default', () => {
    const wrapped = (id: string) => new MultipleErrors('addOffsetsToTransaction failed 1 times.', [new ProtocolError(id)]);
    assert.equal(TRANSACTION_RETRY_DELAY({}, 'addOffsetsToTransaction', 1, 3, wrapped('CONCURRENT_TRANSACTIONS')), 20);
    assert.equal(TRANSACTION_RETRY_DELAY({}, 'addOffsetsToTransaction', 1, 3, new ProtocolError('CONCURRENT_TRANSACTIONS')), 20);
    assert.equal(TRANSACTION_RETRY_DELAY({}, 'endTransaction', 1, 3, wrapped('NOT_COORDINATOR')), 1_000);
  });
});
