// The LLM endpoint as configured (config.ts reads it from the config file and VIGIL_LLM_*).
// Any OpenAI-compatible chat-completions endpoint; none configured means the deterministic path.

export interface LlmSettings {
  /** Base URL of the endpoint, e.g. http://127.0.0.1:11434/v1; null: no LLM, deterministic text only. */
  baseUrl: string | null;
  /** Model id sent with every request; also the cache key and the metric label. */
  model: string;
  /** Bearer key; null for endpoints that need none (a local server). Never logged. */
  apiKey: string | null;
  /**
   * The endpoint is covered by a business associate agreement: prompts may carry identifiers.
   * False (the default): every prompt is de-identified before it leaves (src/phi/deidentify.ts).
   */
  baa: boolean;
  /** Per attempt. */
  timeoutMs: number;
  /** Further attempts after the first, for 429, 5xx, timeouts and lost connections. */
  maxRetries: number;
  /** Requests in flight at once, per process. */
  concurrency: number;
  /** Requests started per second on average, per process. */
  ratePerSecond: number;
}

export const LLM_DEFAULTS: Omit<LlmSettings, 'baseUrl' | 'model' | 'apiKey'> = {
  baa: false,
  timeoutMs: 30_000,
  maxRetries: 2,
  concurrency: 4,
  ratePerSecond: 5,
};
