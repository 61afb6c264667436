// A token bucket shared by a worker's processor calls: at most `perSecond` calls per second on
// average, bursts up to one second's worth. Waiters are served in arrival order.
import { setTimeout as sleep } from 'node:timers/promises';

export class RateLimiter {
  readonly #perSecond: number;
  #tokens: number;
  #last = performance.now();
  #tail: Promise<void> = Promise.resolve();

  constructor(perSecond: number) {
    if (!(perSecond > 0)) throw new RangeError('ratePerSecond must be positive');
    this.#perSecond = perSecond;
    this.#tokens = perSecond;
  }

  /** Resolves when a call may start. */
  take(): Promise<void> {
    const turn = this.#tail.then(() => this.#waitForToken());
    this.#tail = turn;
    return turn;
  }

  async #waitForToken(): Promise<void> {
    for (;;) {
      const now = performance.now();
      this.#tokens = Math.min(this.#perSecond, this.#tokens + ((now - this.#last) / 1000) * this.#perSecond);
      this.#last = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.#tokens) / this.#perSecond) * 1000));
    }
  }
}
