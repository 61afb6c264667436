// The Fetch request (v17, Kafka 4.x) with a response that keeps each partition's records as bytes,
// for record-batches.ts to read. The request is the client's own; only the response parser differs
// from the client's, which turns every record into objects before anyone looks at it.
import { type Reader, createAPI, fetchV17, readKnownTaggedFields } from '@platformatic/kafka';
import type { AbortedTransaction } from './record-batches.ts';

export interface RawFetchPartition {
  partition: number;
  /** 0 when the partition answered; a Kafka error code otherwise. */
  errorCode: number;
  abortedTransactions: AbortedTransaction[] | null;
  /** The record batches as fetched (the last one may be cut short); empty when none. */
  records: Buffer;
}

export interface RawFetchResponse {
  errorCode: number;
  /** By topic id. */
  topics: Map<string, RawFetchPartition[]>;
}

const NO_RECORDS = Buffer.alloc(0);

function parseResponse(_correlationId: number, _apiKey: number, _apiVersion: number, reader: Reader): RawFetchResponse {
  reader.readInt32(); // throttle_time_ms
  const errorCode = reader.readInt16();
  reader.readInt32(); // session_id
  const topics = new Map<string, RawFetchPartition[]>();
  reader.readArray((r) => {
    const topicId = r.readUUID();
    const partitions = r.readArray((p): RawFetchPartition => {
      const partition = p.readInt32();
      const partitionError = p.readInt16();
      p.readInt64(); // high_watermark
      p.readInt64(); // last_stable_offset
      p.readInt64(); // log_start_offset
      const abortedTransactions = p.readNullableArray((a) => ({ producerId: a.readInt64(), firstOffset: a.readInt64() }), true, true);
      p.readInt32(); // preferred_read_replica
      // COMPACT_RECORDS: length + 1, 0 for null.
      const size = p.readUnsignedVarInt() - 1;
      // One copy when the bytes span socket chunks, a view when they do not.
      const records = size > 0 ? p.buffer.slice(p.position, p.position + size) : NO_RECORDS;
      if (size > 0) p.skip(size);
      readKnownTaggedFields(p, {});
      return { partition, errorCode: partitionError, abortedTransactions, records };
    }, true, false);
    readKnownTaggedFields(r, {});
    topics.set(topicId, partitions);
  }, true, false);
  readKnownTaggedFields(reader, {});
  return { errorCode, topics };
}

export const FETCH_VERSION = 17;

export const rawFetch = createAPI<[maxWaitMs: number, minBytes: number, maxBytes: number, isolationLevel: number, sessionId: number, sessionEpoch: number, topics: fetchV17.FetchRequestTopic[], forgottenTopicsData: [], rackId: string], RawFetchResponse>(
  1,
  FETCH_VERSION,
  fetchV17.createRequest,
  parseResponse,
);
