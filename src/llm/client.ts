// The LLM client: chat completions against any OpenAI-compatible endpoint (the openai SDK), with
// the PHI policy applied before anything leaves, a per-attempt timeout, bounded retries with
// backoff, a concurrency and a rate limit, token metrics, and answers cached per
// (processor, event_id, model) so a replay never calls the endpoint again.
//
//   const llm = createLlmClient(config.llm, { cache: storeLlmCache(db) });
//   const answer = await llm.complete({ processor, eventId, messages, phi, signal });
//
// Never log a prompt or an answer: both hold patient data.
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { type PhiContext, scrubText } from '../phi/deidentify.ts';
import { logger } from '../phi/log.ts';
import { RateLimiter } from '../runtime/rate-limit.ts';
import type { LlmCache } from './cache.ts';
import { Semaphore } from './concurrency.ts';
import { LlmError, classify, retryAfterMs } from './errors.ts';
import { llmRequests, llmTokens } from './metrics.ts';
import type { LlmSettings } from './settings.ts';

export { LlmError, type LlmFailure } from './errors.ts';

const log = logger('llm');

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmRequest {
  /** The consumer group asking (cache key, logs). */
  processor: string;
  /** The event the answer is for (cache key, logs). */
  eventId: string;
  messages: LlmMessage[];
  /**
   * The patient's identity and the event time. Unless the endpoint is BAA-covered, every message
   * is scrubbed with it before it leaves (src/phi/deidentify.ts); required so no caller forgets.
   */
  phi: PhiContext;
  /** Upper bound on the answer's tokens. */
  maxTokens?: number;
  /** Left to the endpoint's default when absent (some models accept no other value). */
  temperature?: number;
  /** Aborts waiting, the request in flight and further retries (a stopping worker). */
  signal?: AbortSignal;
}

export interface LlmAnswer {
  text: string;
  /** The configured model id that answered. */
  model: string;
  /** Read from the cache: no request was made. */
  cached: boolean;
  promptTokens: number;
  completionTokens: number;
}

export interface LlmClient {
  readonly model: string;
  /** The endpoint is covered by a business associate agreement: prompts go as written. */
  readonly baa: boolean;
  /** The answer for this (processor, event, model): from the cache, or from the endpoint. Throws LlmError. */
  complete(request: LlmRequest): Promise<LlmAnswer>;
}

export interface LlmClientOptions {
  /** Where answers are kept; without one every call goes to the endpoint. */
  cache?: LlmCache;
  /** Backoff between attempts: doubling from initialMs up to maxMs, with jitter. */
  backoff?: { initialMs: number; maxMs: number };
}

const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 8_000 };
/** A Retry-After longer than this is not waited for in full: the attempt budget is small anyway. */
const MAX_RETRY_AFTER_MS = 30_000;

/** True when an endpoint is configured. */
export function llmConfigured(settings: LlmSettings): boolean {
  return settings.baseUrl !== null;
}

export function createLlmClient(settings: LlmSettings, options: LlmClientOptions = {}): LlmClient {
  if (settings.baseUrl === null) throw new RangeError('LLM client: no base URL configured');
  if (settings.model === '') throw new RangeError('LLM client: no model configured');
  const model = settings.model;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  // Retries and timeouts are ours (classified, counted, bounded); the SDK's are off.
  const sdk = new OpenAI({ baseURL: settings.baseUrl, apiKey: settings.apiKey ?? 'none', maxRetries: 0, timeout: settings.timeoutMs });
  const slots = new Semaphore(settings.concurrency);
  const rate = new RateLimiter(settings.ratePerSecond);

  async function attempt(request: LlmRequest, messages: LlmMessage[]): Promise<{ text: string; promptTokens: number; completionTokens: number }> {
    await rate.take();
    request.signal?.throwIfAborted();
    return slots.run(async () => {
      const response = await sdk.chat.completions.create(
        {
          model,
          messages,
          ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        },
        { signal: request.signal ?? null, timeout: settings.timeoutMs, maxRetries: 0 },
      );
      const promptTokens = response.usage?.prompt_tokens ?? 0;
      const completionTokens = response.usage?.completion_tokens ?? 0;
      llmTokens.inc({ model, kind: 'prompt' }, promptTokens);
      llmTokens.inc({ model, kind: 'completion' }, completionTokens);
      const text = response.choices[0]?.message?.content;
      if (typeof text !== 'string' || text.trim() === '') throw new LlmError('invalid_answer', { status: 200 });
      return { text, promptTokens, completionTokens };
    });
  }

  async function call(request: LlmRequest): Promise<{ text: string; promptTokens: number; completionTokens: number }> {
    const messages = request.messages.map((m) => ({ role: m.role, content: settings.baa ? m.content : scrubText(m.content, request.phi) }));
    const attempts = 1 + settings.maxRetries;
    for (let n = 1; ; n++) {
      const started = performance.now();
      try {
        const answer = await attempt(request, messages);
        llmRequests.inc({ model, outcome: 'ok' });
        log.debug({ processor: request.processor, event_id: request.eventId, model, attempt: n, ms: Math.round(performance.now() - started) }, 'llm answered');
        return answer;
      } catch (err) {
        // The caller's abort wins over whatever the SDK made of it.
        const failure = request.signal?.aborted ? new LlmError('aborted') : classify(err);
        llmRequests.inc({ model, outcome: failure.failure });
        const context = { processor: request.processor, event_id: request.eventId, model, attempt: n, failure: failure.failure, status: failure.status };
        if (!failure.retryable || n >= attempts) {
          log.warn(context, 'llm request failed');
          throw new LlmError(failure.failure, { status: failure.status, attempts: n });
        }
        log.info(context, 'llm request failed, retrying');
        const exponential = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (n - 1));
        const delay = Math.min(retryAfterMs(err) ?? exponential * (0.5 + Math.random() / 2), MAX_RETRY_AFTER_MS);
        try {
          await sleep(delay, undefined, { signal: request.signal });
        } catch {
          throw new LlmError('aborted', { attempts: n });
        }
      }
    }
  }

  return {
    model,
    baa: settings.baa,
    async complete(request) {
      const key = { processor: request.processor, eventId: request.eventId, model };
      const hit = await options.cache?.get(key);
      if (hit) {
        llmRequests.inc({ model, outcome: 'cached' });
        return { ...hit, model, cached: true };
      }
      const fresh = await call(request);
      const kept = options.cache ? await options.cache.put(key, fresh) : fresh;
      return { ...kept, model, cached: false };
    },
  };
}
