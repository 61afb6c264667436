// Contiguous commit watermark (DESIGN §3, invariant 1). Records of a partition are fetched in offset
// order but finish in any order; the offset to commit is the lowest one fetched and not finished, so
// a commit never passes a record whose effects are not all done. Offsets are bigint: Kafka's are int64.

/** One partition's watermark. Obtain a fresh instance per assignment: see `revoke`. */
export class PartitionWatermark {
  // Tracked offsets the watermark has not passed yet, in fetch order: #queue[#head..]. A head index
  // makes popping O(1); the array is compacted once the dead prefix is at least half of it.
  #queue: bigint[] = [];
  #head = 0;
  #unfinished = new Set<bigint>();
  /** Next offset expected from the fetcher: last tracked + 1, or where fetching starts. */
  #position: bigint | undefined;
  #committed: bigint | undefined;
  #revoked = false;

  /** `committed` is the group's committed offset for the partition, where fetching starts. */
  constructor(committed?: bigint) {
    if (committed !== undefined) checkOffset(committed);
    this.#position = committed;
    this.#committed = committed;
  }

  /** Tracked offsets not finished yet. */
  get inFlight(): number {
    return this.#unfinished.size;
  }

  get position(): bigint | undefined {
    return this.#position;
  }

  get committed(): bigint | undefined {
    return this.#committed;
  }

  get revoked(): boolean {
    return this.#revoked;
  }

  /**
   * Records a fetched offset as unfinished. Offsets must increase but may skip (compaction,
   * transaction markers). Returns false, tracking nothing, for an offset below the position
   * (a redelivered record) or after revocation: the caller must not process that record.
   */
  track(offset: bigint): boolean {
    checkOffset(offset);
    if (this.#revoked) return false;
    if (this.#position !== undefined && offset < this.#position) return false;
    this.#queue.push(offset);
    this.#unfinished.add(offset);
    this.#position = offset + 1n;
    return true;
  }

  /**
   * Marks a tracked offset finished, in any order. Returns false when it was not in flight
   * (never tracked, already completed, or the partition was revoked): late completions are harmless.
   */
  complete(offset: bigint): boolean {
    if (!this.#unfinished.delete(offset)) return false;
    // Pop the finished prefix. Each offset is popped once, so completion is amortised O(1).
    const queue = this.#queue;
    while (this.#head < queue.length && !this.#unfinished.has(queue[this.#head] as bigint)) this.#head++;
    if (this.#head === queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
    return true;
  }

  /**
   * Moves the position past offsets that hold no records (a trailing transaction marker, a compacted
   * range) so that a caught-up partition can commit up to the end of the log and show no lag.
   * Never passes an unfinished offset; a lower value is ignored.
   */
  skipTo(position: bigint): void {
    checkOffset(position);
    if (this.#revoked) return;
    if (this.#position === undefined || position > this.#position) this.#position = position;
  }

  /**
   * The offset to commit (the next one to read): the lowest unfinished tracked offset, or the
   * position when all are finished. Undefined when it would not move past the last commit.
   */
  committable(): bigint | undefined {
    if (this.#revoked || this.#position === undefined) return undefined;
    const next = this.#head < this.#queue.length ? (this.#queue[this.#head] as bigint) : this.#position;
    if (this.#committed !== undefined && next <= this.#committed) return undefined;
    return next;
  }

  /** Records a successful commit. Commits may complete out of order, so the highest one wins. */
  markCommitted(offset: bigint): void {
    checkOffset(offset);
    if (this.#committed === undefined || offset > this.#committed) this.#committed = offset;
  }

  /**
   * Drops all state for good when the partition is revoked. Tasks still running hold this instance,
   * so their late completions land here and are ignored instead of touching a later assignment.
   */
  revoke(): void {
    this.#revoked = true;
    this.#queue = [];
    this.#head = 0;
    this.#unfinished.clear();
  }
}

function checkOffset(offset: bigint): void {
  if (offset < 0n) throw new RangeError('offset must not be negative');
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: bigint;
}

/** Watermarks of all partitions a consumer holds, keyed by topic and partition. */
export class WatermarkTracker {
  #topics = new Map<string, Map<number, PartitionWatermark>>();

  /** Starts a fresh watermark for a newly assigned partition, revoking any previous one. */
  assign(topic: string, partition: number, committed?: bigint): PartitionWatermark {
    this.revoke(topic, partition);
    const watermark = new PartitionWatermark(committed);
    let partitions = this.#topics.get(topic);
    if (partitions === undefined) {
      partitions = new Map();
      this.#topics.set(topic, partitions);
    }
    partitions.set(partition, watermark);
    return watermark;
  }

  get(topic: string, partition: number): PartitionWatermark | undefined {
    return this.#topics.get(topic)?.get(partition);
  }

  /**
   * Tracks a fetched offset, assigning the partition first if needed. Returns the watermark to
   * complete the offset on (keep it with the record), or undefined when the record must be skipped.
   */
  track(topic: string, partition: number, offset: bigint): PartitionWatermark | undefined {
    const watermark = this.get(topic, partition) ?? this.assign(topic, partition);
    return watermark.track(offset) ? watermark : undefined;
  }

  /** Revokes and forgets a partition's watermark. Returns false when it was not assigned. */
  revoke(topic: string, partition: number): boolean {
    const partitions = this.#topics.get(topic);
    const watermark = partitions?.get(partition);
    if (partitions === undefined || watermark === undefined) return false;
    watermark.revoke();
    partitions.delete(partition);
    if (partitions.size === 0) this.#topics.delete(topic);
    return true;
  }

  revokeAll(): void {
    for (const [, partitions] of this.#topics) for (const [, watermark] of partitions) watermark.revoke();
    this.#topics.clear();
  }

  /** Offsets that would move each partition's commit forward; empty when there is nothing to commit. */
  committable(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const [topic, partition, watermark] of this.entries()) {
      const offset = watermark.committable();
      if (offset !== undefined) out.push({ topic, partition, offset });
    }
    return out;
  }

  /** Records successful commits; partitions no longer assigned are ignored. */
  markCommitted(offsets: Iterable<TopicPartitionOffset>): void {
    for (const { topic, partition, offset } of offsets) this.get(topic, partition)?.markCommitted(offset);
  }

  /** Unfinished records over all partitions. */
  get inFlight(): number {
    let total = 0;
    for (const [, , watermark] of this.entries()) total += watermark.inFlight;
    return total;
  }

  *entries(): IterableIterator<[topic: string, partition: number, watermark: PartitionWatermark]> {
    for (const [topic, partitions] of this.#topics) {
      for (const [partition, watermark] of partitions) yield [topic, partition, watermark];
    }
  }
}
