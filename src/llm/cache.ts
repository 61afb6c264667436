// Where answers are kept so a replay never calls the endpoint again (invariant 2): one answer per
// (processor, event_id, model). src/store/llm-cache.ts keeps them in the store.

export interface LlmCacheKey {
  /** The consumer group asking, e.g. ai-result-interpretation. */
  processor: string;
  eventId: string;
  model: string;
}

export interface CachedAnswer {
  text: string;
  promptTokens: number;
  completionTokens: number;
}

export interface LlmCache {
  get(key: LlmCacheKey): Promise<CachedAnswer | undefined>;
  /** Keeps the answer unless one is there already; returns the one that stands. */
  put(key: LlmCacheKey, answer: CachedAnswer): Promise<CachedAnswer>;
}
