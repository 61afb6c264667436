// Why an LLM request failed, as a class and never the provider's message: an error body may echo
// the prompt, and errors travel (logs, DLQ metadata), so they name the kind and the status only.
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from 'openai';

export type LlmFailure =
  /** No answer within the per-attempt timeout. */
  | 'timeout'
  /** 429. */
  | 'rate_limited'
  /** 5xx. */
  | 'server_error'
  /** Connection refused, reset, DNS. */
  | 'connection'
  /** Any other 4xx: the request is wrong and resending it will not help. */
  | 'rejected'
  /** The caller's signal aborted the request (the worker is stopping). */
  | 'aborted'
  /** A 2xx without usable text, or text the caller could not use. */
  | 'invalid_answer';

const RETRYABLE: ReadonlySet<LlmFailure> = new Set(['timeout', 'rate_limited', 'server_error', 'connection']);

export class LlmError extends Error {
  readonly failure: LlmFailure;
  readonly status: number | undefined;
  /** Attempts made, the last one included. */
  readonly attempts: number;

  constructor(failure: LlmFailure, options: { status?: number; attempts?: number } = {}) {
    super(`LLM request failed: ${failure}${options.status ? ` (HTTP ${options.status})` : ''}${options.attempts ? ` after ${options.attempts} attempt(s)` : ''}`);
    this.name = 'LlmError';
    this.failure = failure;
    this.status = options.status;
    this.attempts = options.attempts ?? 1;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.failure);
  }
}

/** Classifies what the SDK threw. */
export function classify(err: unknown): LlmError {
  if (err instanceof LlmError) return err;
  if (err instanceof APIUserAbortError) return new LlmError('aborted');
  if (err instanceof APIConnectionTimeoutError) return new LlmError('timeout');
  if (err instanceof APIConnectionError) return new LlmError('connection');
  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status;
    if (status === 429) return new LlmError('rate_limited', { status });
    // 408 (request timeout) is the server's way of saying "try again".
    if (status === 408) return new LlmError('timeout', { status });
    if (status >= 500) return new LlmError('server_error', { status });
    return new LlmError('rejected', { status });
  }
  if (err instanceof Error && err.name === 'AbortError') return new LlmError('aborted');
  return new LlmError('connection');
}

/** Seconds the server asked to wait (Retry-After), when it said. */
export function retryAfterMs(err: unknown): number | undefined {
  if (!(err instanceof APIError) || !err.headers) return undefined;
  const value = err.headers.get('retry-after-ms') ?? undefined;
  if (value !== undefined && Number.isFinite(Number(value))) return Number(value);
  const seconds = err.headers.get('retry-after');
  if (seconds !== null && seconds.trim() !== '' && Number.isFinite(Number(seconds))) return Number(seconds) * 1000;
  return undefined;
}
