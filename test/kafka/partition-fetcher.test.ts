// The worker's own fetch loop against the real broker: read_committed across fetches, the earliest
// offset for partitions without one, and records held back while paused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer, Producer, stringSerializer } from '@platformatic/kafka';
import { HeaderStrings } from '../../src/kafka/header-strings.ts';
import { type FetchPosition, PartitionFetcher } from '../../src/kafka/partition-fetcher.ts';
import type { FetchedRecord } from '../../src/kafka/record-batches.ts';
import { testClientOptions, uniqueSuffix, waitFor, withAdmin } from '../support/kafka.ts';

describe('PartitionFetcher against a real broker', () => {
  const run = uniqueSuffix();
  let consumer: Consumer<Buffer, Buffer, string, string>;
  let plain: Producer<string, string, string, string>;
  let fetchers: PartitionFetcher[] = [];

  function producer(transactionalId?: string): Producer<string, string, string, string> {
    return new Producer({
      clientId: 'vigil-test-fetcher',
      ...testClientOptions(),
      idempotent: true,
      ...(transactionalId ? { transactionalId, producerId: -1n, producerEpoch: -1 } : {}),
      serializers: { key: stringSerializer, value: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
    });
  }

  function fetch(positions: FetchPosition[], maxBytes: number): { seen: FetchedRecord[]; fetcher: PartitionFetcher; errors: Error[] } {
    const seen: FetchedRecord[] = [];
    const errors: Error[] = [];
    const fetcher = new PartitionFetcher({
      consumer,
      positions,
      maxWaitMs: 100,
      maxBytes,
      strings: new HeaderStrings([]),
      onRecord: (r) => seen.push(r),
      onError: (e) => errors.push(e),
    });
    fetchers.push(fetcher);
    fetcher.start();
    return { seen, fetcher, errors };
  }

  before(async () => {
    consumer = new Consumer({ clientId: 'vigil-test-fetcher', groupId: `vigil-test-fetcher-${run}`, ...testClientOptions() });
    plain = producer();
  });
  after(async () => {
    await Promise.all(fetchers.map((f) => f.close()));
    fetchers = [];
    await plain.close();
    await consumer.close(true);
  });

  it('never hands over records of an aborted transaction, even when its marker comes in a later fetch', async () => {
    const topic = `fetcher-txn-${run}`;
    await withAdmin((admin) => admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 }));
    const txProducer = producer(`vigil-test-fetcher-${run}`);
    const send = (values: string[]) => ({ messages: values.map((value) => ({ topic, partition: 0, key: 'k', value })) });
    try {
      let tx = await txProducer.beginTransaction();
      await tx.send(send(['committed-0', 'committed-1']));
      await tx.commit();
      tx = await txProducer.beginTransaction();
      await tx.send(send(['aborted-0']));
      await plain.send(send(['plain-0']));
      await tx.send(send(['aborted-1']));
      await tx.abort();
      tx = await txProducer.beginTransaction();
      await tx.send(send(['committed-2']));
      await tx.commit();
    } finally {
      await txProducer.close();
    }
    // One byte a fetch: the broker answers with one batch each time, so the aborted records and
    // their ABORT marker arrive in different fetches.
    const { seen, errors } = fetch([{ topic, partition: 0, offset: 0n }], 1);
    await waitFor('the committed records', () => seen.length >= 4);
    await waitFor('the last marker read', () => seen.length >= 4 && errors.length === 0);
    assert.deepEqual(
      seen.map((r) => r.value?.toString()),
      ['committed-0', 'committed-1', 'plain-0', 'committed-2'],
    );
    assert.deepEqual(
      seen.map((r) => r.offset),
      [...seen.map((r) => r.offset)].sort((a, b) => (a < b ? -1 : 1)),
      'in offset order',
    );
  });

  it('starts a partition without an offset at its earliest record, past deleted ones', async () => {
    const topic = `fetcher-earliest-${run}`;
    await withAdmin((admin) => admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 }));
    await plain.send({ messages: ['a', 'b', 'c'].map((value) => ({ topic, partition: 0, key: 'k', value })) });
    await plain.send({ messages: [{ topic, partition: 1, key: 'k', value: 'd' }] });
    await withAdmin((admin) => admin.deleteRecords({ topics: [{ name: topic, partitions: [{ partition: 0, offset: 1n }] }] }));
    // Partition 1 asks for an offset the log no longer has (its end is 1): it starts again at the earliest.
    const { seen, errors } = fetch(
      [
        { topic, partition: 0, offset: undefined },
        { topic, partition: 1, offset: 5n },
      ],
      64 * 1024,
    );
    await waitFor('three records', () => seen.length >= 3);
    assert.deepEqual(errors, []);
    assert.deepEqual(seen.map((r) => `${r.partition}:${r.offset}:${r.value?.toString()}`).sort(), ['0:1:b', '0:2:c', '1:0:d']);
  });

  it('hands nothing over while paused, and everything in order once resumed', async () => {
    const topic = `fetcher-pause-${run}`;
    await withAdmin((admin) => admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 }));
    await plain.send({ messages: Array.from({ length: 50 }, (_, i) => ({ topic, partition: 0, key: 'k', value: `v${i}` })) });
    const seen: string[] = [];
    const fetcher: PartitionFetcher = new PartitionFetcher({
      consumer,
      positions: [{ topic, partition: 0, offset: 0n }],
      maxWaitMs: 100,
      maxBytes: 64 * 1024,
      strings: new HeaderStrings([]),
      onRecord: (r) => {
        seen.push(r.value?.toString() ?? '');
        if (seen.length === 10) fetcher.pause();
      },
      onError: (e) => assert.fail(e),
    });
    fetchers.push(fetcher);
    fetcher.start();
    await waitFor('ten records', () => seen.length >= 10);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(seen.length, 10, 'nothing while paused');
    fetcher.resume();
    await waitFor('all records', () => seen.length >= 50);
    assert.deepEqual(
      seen,
      Array.from({ length: 50 }, (_, i) => `v${i}`),
    );
  });
});
