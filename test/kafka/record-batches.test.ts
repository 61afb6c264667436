// Record batches read from bytes: checked against batches the client's own writer makes, including
// compressed ones, and against read_committed's rules for aborted transactions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CompressionAlgorithmValue, createRecordsBatch } from '@platformatic/kafka';
import { HeaderStrings } from '../../src/kafka/header-strings.ts';
import { type FetchedRecord, type ReadBatchesOptions, RecordBatchError, readRecordBatches } from '../../src/kafka/record-batches.ts';

const strings = new HeaderStrings(['ce_id', 'content-type', 'application/json']);

interface TestRecord {
  key: Buffer | undefined;
  value: Buffer | undefined;
  headers: Map<Buffer, Buffer>;
}

function records(n: number, prefix = 'r'): TestRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    key: Buffer.from(`P-${i}-é`),
    value: Buffer.from(JSON.stringify({ i, prefix })),
    headers: new Map([
      [Buffer.from('ce_id'), Buffer.from(`${prefix}-${i}`)],
      [Buffer.from('content-type'), Buffer.from('application/json')],
      [Buffer.from('x-ünknown'), Buffer.from('wert-ü')],
    ]),
  }));
}

/** A batch at `baseOffset`, as a broker would store it. */
function batch(list: TestRecord[], baseOffset: bigint, opts: { compression?: CompressionAlgorithmValue; producerId?: bigint; transactional?: boolean; control?: 'abort' | 'commit' } = {}): Buffer {
  const messages = opts.control ? [{ key: Buffer.from([0, 0, 0, opts.control === 'abort' ? 0 : 1]), value: Buffer.alloc(6), headers: new Map() }] : list;
  const bytes = Buffer.from(
    createRecordsBatch(messages.map((m) => ({ ...m, topic: 't', partition: 0 })) as never, {
      compression: opts.compression ?? 'none',
      producerId: opts.producerId ?? -1n,
      producerEpoch: 0,
      ...(opts.transactional || opts.control ? { transactionalId: 'tx' } : {}),
    }).buffer,
  );
  bytes.writeBigInt64BE(baseOffset, 0);
  if (opts.control) bytes.writeInt16BE(bytes.readInt16BE(21) | (1 << 5), 21);
  return bytes;
}

function readAll(bytes: Buffer, opts: Partial<ReadBatchesOptions> = {}): { seen: FetchedRecord[]; next: bigint | undefined } {
  const seen: FetchedRecord[] = [];
  const next = readRecordBatches(bytes, { topic: 't', partition: 3, fromOffset: 0n, abortedTransactions: null, strings, ...opts }, (r) => seen.push(r));
  return { seen, next };
}

describe('readRecordBatches', () => {
  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`reads what the client wrote (${compression}): offsets, keys, values, headers`, () => {
      const list = records(5);
      const { seen, next } = readAll(Buffer.concat([batch(list.slice(0, 2), 100n, { compression }), batch(list.slice(2), 102n, { compression })]));
      assert.equal(next, 105n);
      assert.deepEqual(
        seen.map((r) => r.offset),
        [100n, 101n, 102n, 103n, 104n],
      );
      seen.forEach((r, i) => {
        const want = list[i] as TestRecord;
        assert.equal(r.topic, 't');
        assert.equal(r.partition, 3);
        assert.equal(r.key, want.key?.toString('utf8'));
        assert.deepEqual(r.value, want.value);
        assert.deepEqual([...r.headers], [...want.headers].map(([k, v]) => [k.toString('utf8'), v.toString('utf8')]));
      });
    });
  }

  it('gives a null key as the empty string and a null value as undefined', () => {
    const { seen } = readAll(batch([{ key: undefined, value: undefined, headers: new Map() }], 0n));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.key, '');
    assert.equal(seen[0]?.value, undefined);
  });

  it('skips records below the offset asked for, and stops before a batch cut short', () => {
    const whole = Buffer.concat([batch(records(4), 10n), batch(records(3), 14n)]);
    const { seen, next } = readAll(whole.subarray(0, whole.length - 5), { fromOffset: 12n });
    assert.deepEqual(
      seen.map((r) => r.offset),
      [12n, 13n],
    );
    assert.equal(next, 14n, 'the cut batch is fetched again');
    assert.equal(readAll(whole.subarray(0, 30)).next, undefined);
  });

  it('drops the records of aborted transactions and control batches (read_committed)', () => {
    const bytes = Buffer.concat([
      batch(records(2, 'committed'), 0n, { producerId: 7n, transactional: true }),
      batch([], 2n, { producerId: 7n, control: 'commit' }),
      batch(records(2, 'aborted'), 3n, { producerId: 8n, transactional: true }),
      batch(records(1, 'plain'), 5n),
      batch(records(1, 'aborted-late'), 6n, { producerId: 8n, transactional: true }),
      batch([], 7n, { producerId: 8n, control: 'abort' }),
      batch(records(1, 'after'), 8n, { producerId: 8n, transactional: true }),
    ]);
    const { seen, next } = readAll(bytes, { abortedTransactions: [{ producerId: 8n, firstOffset: 3n }] });
    assert.deepEqual(
      seen.map((r) => `${r.offset}:${r.headers.get('ce_id')}`),
      ['0:committed-0', '1:committed-1', '5:plain-0', '8:after-0'],
    );
    assert.equal(next, 9n);
  });

  it('keeps an aborted transaction closed when its marker is beyond the fetch', () => {
    // The fetch ends before the ABORT marker: its records must still be dropped.
    const bytes = Buffer.concat([batch(records(1, 'plain'), 0n), batch(records(2, 'aborted'), 1n, { producerId: 9n, transactional: true })]);
    const { seen } = readAll(bytes, { abortedTransactions: [{ producerId: 9n, firstOffset: 1n }] });
    assert.deepEqual(
      seen.map((r) => r.headers.get('ce_id')),
      ['plain-0'],
    );
  });

  it('ends an aborted range at a marker below the offset asked for', () => {
    // The fetch asks from offset 3: the aborted transaction and its marker lie before it, and the
    // same producer's next, committed transaction must be seen.
    const bytes = Buffer.concat([
      batch(records(1, 'aborted'), 1n, { producerId: 5n, transactional: true }),
      batch([], 2n, { producerId: 5n, control: 'abort' }),
      batch(records(1, 'committed'), 3n, { producerId: 5n, transactional: true }),
    ]);
    const { seen } = readAll(bytes, { fromOffset: 3n, abortedTransactions: [{ producerId: 5n, firstOffset: 1n }] });
    assert.deepEqual(
      seen.map((r) => r.headers.get('ce_id')),
      ['committed-0'],
    );
  });

  it('refuses a batch format it does not read', () => {
    const bytes = batch(records(1), 0n);
    bytes.writeInt8(1, 16);
    assert.throws(() => readAll(bytes), RecordBatchError);
  });
});
