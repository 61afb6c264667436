// Coalesces lookups made in the same tick into one call (one store query for a burst of records).
export class Batcher<K, V> {
  readonly #fetch: (keys: K[]) => Promise<V[]>;
  #pending: { key: K; resolve: (v: V) => void; reject: (e: unknown) => void }[] = [];

  constructor(fetch: (keys: K[]) => Promise<V[]>) {
    this.#fetch = fetch;
  }

  load(key: K): Promise<V> {
    const { promise, resolve, reject } = Promise.withResolvers<V>();
    if (this.#pending.length === 0) setImmediate(() => void this.#run());
    this.#pending.push({ key, resolve, reject });
    return promise;
  }

  async #run(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    try {
      const values = await this.#fetch(batch.map((b) => b.key));
      batch.forEach((b, i) => b.resolve(values[i] as V));
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }
}
