// Exponential backoff with full jitter (delay drawn from [0, cap]): spreads retries of many keys
// that failed together (an AI endpoint outage) instead of stampeding it again in step.
import type { RetryPolicy } from './worker.ts';

export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * cap);
}

/** Whether another try may start after `attempt` tries, `elapsedMs` after the first, waiting `delayMs`. */
export function mayRetry(policy: RetryPolicy, attempt: number, elapsedMs: number, delayMs: number): boolean {
  return attempt < policy.maxAttempts && elapsedMs + delayMs <= policy.maxElapsedMs;
}
