// Kafka record batches (format v2) read straight from the bytes of a fetch response. The client's
// reader makes an object per record and a Buffer per key, value, header name and header value (16
// of them a vigil record) before anything looks at them, which cost a worker more CPU than all of
// its own work. Here a record is read in one pass: header names and fixed values come back
// interned (HeaderStrings), the value stays a view on the fetched bytes.
// read_committed is applied here too, per fetch response as the Java consumer does it: the
// response lists the aborted transactions overlapping it, and a transactional batch is dropped
// while its producer has an aborted transaction open (until that producer's ABORT marker).
import { compressionsAlgorithmsByBitmask } from '@platformatic/kafka';
import type { HeaderStrings } from './header-strings.ts';

/** A fetched record, as the runtime reads it. */
export interface FetchedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  /** The key as UTF-8 ('' when the record has none). */
  key: string;
  /** The value bytes (a view on the fetched response); undefined for a null value. */
  value: Buffer | undefined;
  headers: Map<string, string>;
}

export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

const BATCH_HEAD = 12; // baseOffset int64, batchLength int32
const RECORDS_AT = 61; // the first record, after the v2 batch header
const COMPRESSION = 0b111;
const TRANSACTIONAL = 1 << 4;
const CONTROL = 1 << 5;
const ABORT_MARKER = 0;

export class RecordBatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordBatchError';
  }
}

/** A position in a buffer, advanced by the varint readers. */
class Cursor {
  buf: Buffer;
  at: number;
  constructor(buf: Buffer, at: number) {
    this.buf = buf;
    this.at = at;
  }

  /** A zigzag varint that fits 32 bits (lengths, counts, offset deltas). */
  varint(): number {
    const buf = this.buf;
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = buf[this.at++] as number;
      if (byte === undefined) throw new RecordBatchError('record runs past its batch');
      value |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80 && shift < 35);
    return (value >>> 1) ^ -(value & 1);
  }

  /** Skips a varint of any width (the timestamp delta, a varlong). */
  skipVarint(): void {
    while ((this.buf[this.at++] as number) & 0x80);
  }
}

export interface ReadBatchesOptions {
  topic: string;
  partition: number;
  /** Records below it are dropped: a batch can start before the offset that was asked for. */
  fromOffset: bigint;
  /** The response's aborted transactions: a read_committed fetch gets them (null or [] when none). */
  abortedTransactions: AbortedTransaction[] | null | undefined;
  strings: HeaderStrings;
}

/**
 * Reads every complete batch in `bytes` (a response may end in part of one: it is fetched again)
 * and hands each record that should be seen to `visit`. Returns the offset to fetch next, or
 * undefined when no batch was complete.
 */
export function readRecordBatches(bytes: Buffer, opts: ReadBatchesOptions, visit: (record: FetchedRecord) => void): bigint | undefined {
  const aborted = [...(opts.abortedTransactions ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
  const abortedProducers = new Set<bigint>();
  let next: bigint | undefined;
  let at = 0;
  while (at + BATCH_HEAD <= bytes.length) {
    const batchEnd = at + BATCH_HEAD + bytes.readInt32BE(at + 8);
    if (batchEnd > bytes.length) break;
    const magic = bytes.readInt8(at + 16);
    if (magic !== 2) throw new RecordBatchError(`record batch format ${magic} is not supported (only v2)`);
    const baseOffset = bytes.readBigInt64BE(at);
    const lastOffset = baseOffset + BigInt(bytes.readInt32BE(at + 23));
    next = lastOffset + 1n;
    const attributes = bytes.readInt16BE(at + 21);
    // Every batch goes through include(), also one below the offset asked for: its ABORT marker
    // still ends an aborted range.
    if (include(bytes, at, attributes, lastOffset, aborted, abortedProducers) && lastOffset >= opts.fromOffset) {
      readRecords(bytes, at, batchEnd, attributes, baseOffset, opts, visit);
    }
    at = batchEnd;
  }
  return next;
}

/** Whether a batch's records are seen: not a control batch, not part of an aborted transaction. */
function include(bytes: Buffer, at: number, attributes: number, lastOffset: bigint, aborted: AbortedTransaction[], abortedProducers: Set<bigint>): boolean {
  const control = (attributes & CONTROL) !== 0;
  if (aborted.length === 0 && abortedProducers.size === 0) return !control;
  const producerId = bytes.readBigInt64BE(at + 43);
  // Transactions that began at or before this batch are open from here on.
  while (aborted.length > 0 && (aborted[0] as AbortedTransaction).firstOffset <= lastOffset) {
    abortedProducers.add((aborted.shift() as AbortedTransaction).producerId);
  }
  if (control) {
    // A control record's key is version int16 then type int16; an ABORT marker ends the aborted range.
    const cursor = new Cursor(bytes, at + RECORDS_AT);
    cursor.varint(); // length
    cursor.at++; // attributes
    cursor.skipVarint(); // timestamp delta
    cursor.varint(); // offset delta
    const keyLength = cursor.varint();
    if (keyLength >= 4 && bytes.readInt16BE(cursor.at + 2) === ABORT_MARKER) abortedProducers.delete(producerId);
    return false;
  }
  return !((attributes & TRANSACTIONAL) !== 0 && abortedProducers.has(producerId));
}

function readRecords(bytes: Buffer, at: number, batchEnd: number, attributes: number, baseOffset: bigint, opts: ReadBatchesOptions, visit: (record: FetchedRecord) => void): void {
  const count = bytes.readInt32BE(at + 57);
  let cursor = new Cursor(bytes, at + RECORDS_AT);
  let end = batchEnd;
  const compression = attributes & COMPRESSION;
  if (compression !== 0) {
    const algorithm = compressionsAlgorithmsByBitmask[compression];
    if (!algorithm) throw new RecordBatchError(`record batch compression ${compression} is not supported`);
    const records = algorithm.decompressSync(bytes.subarray(at + RECORDS_AT, batchEnd)) as Buffer;
    cursor = new Cursor(records, 0);
    end = records.length;
  }
  const { topic, partition, fromOffset, strings } = opts;
  for (let i = 0; i < count; i++) {
    const length = cursor.varint();
    const recordEnd = cursor.at + length;
    if (recordEnd > end) throw new RecordBatchError('record runs past its batch');
    cursor.at++; // attributes
    cursor.skipVarint(); // timestamp delta
    const offset = baseOffset + BigInt(cursor.varint());
    if (offset < fromOffset) {
      cursor.at = recordEnd;
      continue;
    }
    const buf = cursor.buf;
    const keyLength = cursor.varint();
    const key = keyLength > 0 ? buf.toString('utf8', cursor.at, cursor.at + keyLength) : '';
    if (keyLength > 0) cursor.at += keyLength;
    const valueLength = cursor.varint();
    const value = valueLength >= 0 ? buf.subarray(cursor.at, cursor.at + valueLength) : undefined;
    if (valueLength > 0) cursor.at += valueLength;
    const headerCount = cursor.varint();
    const headers = new Map<string, string>();
    for (let h = 0; h < headerCount; h++) {
      const nameLength = cursor.varint();
      const name = strings.read(buf, cursor.at, Math.max(0, nameLength));
      if (nameLength > 0) cursor.at += nameLength;
      const valueLen = cursor.varint();
      headers.set(name, strings.read(buf, cursor.at, Math.max(0, valueLen)));
      if (valueLen > 0) cursor.at += valueLen;
    }
    if (cursor.at !== recordEnd) throw new RecordBatchError('record length does not match its fields');
    visit({ topic, partition, offset, key, value, headers });
  }
}
