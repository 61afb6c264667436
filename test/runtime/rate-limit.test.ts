import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from '../../src/runtime/rate-limit.ts';
import { backoffMs, mayRetry } from '../../src/runtime/retry.ts';

const settle = () => new Promise((r) => setImmediate(r));

describe('rate limiter', () => {
  it('lets a burst of one second through, then holds the rest back in order', async () => {
    const limiter = new RateLimiter(5);
    const granted: number[] = [];
    const all = Array.from({ length: 8 }, (_, i) => limiter.take().then(() => granted.push(i)));
    await settle();
    await settle();
    assert.deepEqual(granted, [0, 1, 2, 3, 4]);
    await Promise.all(all);
    assert.deepEqual(granted, [0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('refuses a rate that is not positive', () => {
    assert.throws(() => new RateLimiter(0), RangeError);
  });
});

describe('retry policy', () => {
  const policy = { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 1_000, maxElapsedMs: 5_000 };

  it('backs off exponentially up to the cap, with full jitter', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => backoffMs(policy, a, () => 1)), [100, 200, 400, 800, 1_000, 1_000]);
    assert.equal(backoffMs(policy, 3, () => 0), 0);
    assert.equal(backoffMs(policy, 3, () => 0.5), 200);
  });

  it('stops at the attempt limit and at the elapsed-time limit', () => {
    assert.equal(mayRetry(policy, 3, 0, 100), true);
    assert.equal(mayRetry(policy, 4, 0, 100), false);
    assert.equal(mayRetry(policy, 1, 4_950, 100), false);
  });
});
