// Fetches a consumer group member's partitions and hands their records over one by one, in offset
// order per partition. It replaces the client's message stream on the worker's hot path: the
// stream builds several objects and a bound function per record, and the client's reader a Buffer
// per header, before a record reaches anyone (see record-batches.ts). The client still runs the
// group membership, the metadata and the connections; this asks each partition leader for records
// with a Fetch request of its own and reads the response bytes itself.
// One fetch in flight per leader. Paused, it hands nothing over: records already fetched wait in
// order and fetching stops until resumed, so a paused worker holds at most one fetch's records
// more per leader.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Connection, type Consumer, FetchIsolationLevels, ProtocolError, apiVersionsV3, protocolErrorsCodesById } from '@platformatic/kafka';
import { FETCH_VERSION, rawFetch } from './fetch-request.ts';
import type { HeaderStrings } from './header-strings.ts';
import { type FetchedRecord, readRecordBatches } from './record-batches.ts';

export interface FetchPosition {
  topic: string;
  partition: number;
  /** Where to start; undefined for the earliest offset the partition still has. */
  offset: bigint | undefined;
}

export interface PartitionFetcherOptions {
  consumer: Consumer<Buffer, Buffer, string, string>;
  positions: FetchPosition[];
  /** How long the broker may wait for records before answering with none. */
  maxWaitMs: number;
  /** Most bytes a fetch asks for, in all and per partition (a larger batch still comes whole). */
  maxBytes: number;
  strings: HeaderStrings;
  onRecord(record: FetchedRecord): void;
  /** Fetching failed for good (refused, or failing for longer than its retries): nothing more comes. */
  onError(err: Error): void;
}

/** A fetch that failed this many times in a row gives up (about ten seconds). */
const ATTEMPTS = 20;
const RETRY_MS = 500;
/** Partition errors that a metadata refresh and a retry can mend (leadership moved, not ready yet). */
const RETRIABLE = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_OR_FOLLOWER',
  'REPLICA_NOT_AVAILABLE',
  'KAFKA_STORAGE_ERROR',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'OFFSET_NOT_AVAILABLE',
  'UNKNOWN_TOPIC_ID',
  'NOT_ENOUGH_REPLICAS',
  'CORRUPT_MESSAGE',
]);
const EARLIEST = -2n;
const FETCH_API_KEY = 1;
/** Brokers (host:port) known to serve this Fetch version; asked once per process. */
const servesFetch = new Set<string>();

/** A broker too old for this fetcher: it says so, instead of failing its requests one by one. */
export class UnsupportedBrokerError extends Error {
  constructor(node: number, maxVersion: number | undefined) {
    super(`Kafka broker ${node} serves Fetch up to version ${maxVersion ?? 'none'}; vigil's workers need version ${FETCH_VERSION} (Kafka 4.x)`);
    this.name = 'UnsupportedBrokerError';
  }
}

async function checkFetchVersion(connection: Connection, node: number, address: string): Promise<void> {
  if (servesFetch.has(address)) return;
  const { apiKeys } = await apiVersionsV3.api.async(connection, 'vigil', '1');
  const fetch = apiKeys.find((a) => a.apiKey === FETCH_API_KEY);
  if (!fetch || fetch.maxVersion < FETCH_VERSION || fetch.minVersion > FETCH_VERSION) throw new UnsupportedBrokerError(node, fetch?.maxVersion);
  servesFetch.add(address);
}

interface Position {
  topic: string;
  partition: number;
  /** Undefined until the earliest offset is looked up. */
  offset: bigint | undefined;
}

export class PartitionFetcher {
  readonly #opts: PartitionFetcherOptions;
  readonly #positions: Position[];
  readonly #topics: string[];
  /** Fetched records not handed over yet (only while paused). */
  #waiting: FetchedRecord[] = [];
  #waitingAt = 0;
  #paused = false;
  #closed = false;
  #wake = Promise.withResolvers<void>();
  /** The running loop of each leader node. */
  readonly #loops = new Map<number, Promise<void>>();
  #refreshMetadata = false;

  constructor(opts: PartitionFetcherOptions) {
    this.#opts = opts;
    this.#positions = opts.positions.map((p) => ({ ...p }));
    this.#topics = [...new Set(opts.positions.map((p) => p.topic))];
  }

  start(): void {
    if (this.#positions.length > 0) void this.#startLoops();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused || this.#closed) return;
    this.#paused = false;
    this.#handOver();
    if (!this.#paused) this.#signal();
  }

  /** Stops fetching; resolves once no fetch is in flight. Records not handed over are dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#waiting = [];
    this.#signal();
    await Promise.all(this.#loops.values());
  }

  #signal(): void {
    this.#wake.resolve();
    this.#wake = Promise.withResolvers<void>();
  }

  /** Starts a loop for every leader of a partition that has none; a loop ends when it leads nothing. */
  async #startLoops(failures = 0): Promise<void> {
    try {
      const metadata = await this.#metadata();
      if (this.#closed) return;
      for (const position of this.#positions) {
        const leader = metadata.topics.get(position.topic)?.partitions[position.partition]?.leader;
        if (leader === undefined || leader < 0 || this.#loops.has(leader)) continue;
        const loop: Promise<void> = this.#run(leader).finally(() => {
          if (this.#loops.get(leader) === loop) this.#loops.delete(leader);
        });
        this.#loops.set(leader, loop);
      }
      if (this.#loops.size > 0) return;
      // No partition has a leader now: look again shortly.
      this.#refreshMetadata = true;
      failures = 0;
    } catch (err) {
      if (this.#closed) return;
      this.#refreshMetadata = true;
      if (failures + 1 >= ATTEMPTS) return this.#fail(err as Error);
      failures++;
    }
    await sleep(RETRY_MS);
    if (!this.#closed) void this.#startLoops(failures);
  }

  #metadata() {
    const forceUpdate = this.#refreshMetadata;
    this.#refreshMetadata = false;
    return this.#opts.consumer.metadata({ topics: this.#topics, forceUpdate });
  }

  async #run(node: number): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      if (this.#paused) {
        await this.#wake.promise;
        continue;
      }
      try {
        const led = await this.#fetchFrom(node);
        if (!led) break;
        failures = 0;
      } catch (err) {
        if (this.#closed) break;
        if (err instanceof UnsupportedBrokerError) return this.#fail(err);
        this.#refreshMetadata = true;
        if (++failures >= ATTEMPTS) return this.#fail(err as Error);
        await sleep(RETRY_MS);
      }
    }
    // Its partitions may have moved to a leader without a loop; this one is done.
    this.#loops.delete(node);
    if (!this.#closed) void this.#startLoops();
  }

  /** One fetch from a leader; false when it leads none of the partitions any more. */
  async #fetchFrom(node: number): Promise<boolean> {
    const { consumer, maxWaitMs, maxBytes } = this.#opts;
    const metadata = await this.#metadata();
    const broker = metadata.brokers.get(node);
    const led = this.#positions.filter((p) => metadata.topics.get(p.topic)?.partitions[p.partition]?.leader === node);
    if (!broker || led.length === 0) return false;
    // A partition whose leader came back or moved to a node without a loop gets one.
    if (this.#positions.some((p) => !this.#loops.has(metadata.topics.get(p.topic)?.partitions[p.partition]?.leader ?? -1))) void this.#startLoops();
    await this.#findEarliest(led.filter((p) => p.offset === undefined));

    const byId = new Map<string, { topic: string; positions: Map<number, Position> }>();
    for (const p of led) {
      const id = metadata.topics.get(p.topic)?.id as string;
      let entry = byId.get(id);
      if (!entry) byId.set(id, (entry = { topic: p.topic, positions: new Map() }));
      entry.positions.set(p.partition, p);
    }
    const request = [...byId].map(([topicId, { positions }]) => ({
      topicId,
      partitions: [...positions.values()].map((p) => ({
        partition: p.partition,
        currentLeaderEpoch: -1,
        fetchOffset: p.offset as bigint,
        lastFetchedEpoch: -1,
        partitionMaxBytes: maxBytes,
      })),
    }));
    const connection = await consumer.connections.get(broker);
    await checkFetchVersion(connection, node, `${broker.host}:${broker.port}`);
    // Session id 0, epoch -1: a full fetch every time, without a fetch session to keep in step.
    const response = await rawFetch.async(connection, maxWaitMs, 1, maxBytes, FetchIsolationLevels.READ_COMMITTED, 0, -1, request, [], '');
    if (this.#closed) return true;
    if (response.errorCode !== 0) throw new ProtocolError(response.errorCode);

    let error: Error | undefined;
    const served = new Set<Position>();
    for (const [topicId, partitions] of response.topics) {
      const entry = byId.get(topicId);
      if (!entry) continue;
      for (const answer of partitions) {
        const position = entry.positions.get(answer.partition);
        if (!position || position.offset === undefined) continue;
        if (answer.errorCode !== 0) {
          const id = protocolErrorsCodesById[answer.errorCode];
          if (id === 'OFFSET_OUT_OF_RANGE') position.offset = undefined; // gone to retention: start at the earliest
          else if (id !== undefined && RETRIABLE.has(id)) error ??= new ProtocolError(answer.errorCode);
          else {
            // Refused (not authorised, a format this reader does not know): retrying will not help.
            this.#fail(new ProtocolError(answer.errorCode));
            return true;
          }
          continue;
        }
        if (answer.records.length === 0) continue;
        served.add(position);
        const from = position.offset;
        const next = readRecordBatches(
          answer.records,
          { topic: entry.topic, partition: answer.partition, fromOffset: from, abortedTransactions: answer.abortedTransactions, strings: this.#opts.strings },
          (record) => this.#waiting.push(record),
        );
        if (next !== undefined && next > from) position.offset = next;
      }
    }
    // Partitions that brought records go to the back of the next request: the broker fills a fetch
    // in request order, so a partition with a backlog would otherwise starve the others.
    if (served.size > 0) {
      const rest = this.#positions.filter((p) => !served.has(p));
      this.#positions.splice(0, this.#positions.length, ...rest, ...served);
    }
    this.#handOver();
    if (error) throw error;
    return true;
  }

  async #findEarliest(positions: Position[]): Promise<void> {
    if (positions.length === 0) return;
    const partitions: Record<string, number[]> = {};
    for (const p of positions) (partitions[p.topic] ??= []).push(p.partition);
    const offsets = await this.#opts.consumer.listOffsets({ topics: Object.keys(partitions), partitions, timestamp: EARLIEST });
    for (const p of positions) {
      const earliest = offsets.get(p.topic)?.[p.partition];
      if (earliest === undefined) throw new Error(`no earliest offset for partition ${p.partition}`);
      p.offset = earliest;
    }
  }

  /** Hands fetched records over in order until paused. */
  #handOver(): void {
    const waiting = this.#waiting;
    const onRecord = this.#opts.onRecord;
    while (this.#waitingAt < waiting.length && !this.#paused && !this.#closed) onRecord(waiting[this.#waitingAt++] as FetchedRecord);
    if (this.#waitingAt >= waiting.length) {
      this.#waiting = [];
      this.#waitingAt = 0;
    }
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal();
    this.#opts.onError(err);
  }
}
