import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pacer, type Clock } from '../../src/simulator/pacing.ts';

/** A clock that only moves when told to, or when someone sleeps. */
class FakeClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.t += ms;
    return Promise.resolve();
  }
}

async function releaseTimes(pacer: Pacer, clock: FakeClock, max = 100): Promise<number[]> {
  const times: number[] = [];
  while (times.length < max && (await pacer.next())) times.push(clock.t);
  return times;
}

describe('Pacer', () => {
  it('releases the n-th message n/rate seconds after the start', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ rate: 10, clock });
    assert.deepEqual(await releaseTimes(pacer, clock, 5), [0, 100, 200, 300, 400]);
    assert.equal(pacer.issued, 5);
  });

  it('stops at the duration, so rate x duration messages go out', async () => {
    const clock = new FakeClock();
    const times = await releaseTimes(new Pacer({ rate: 10, durationMs: 1000, clock }), clock);
    assert.equal(times.length, 10);
    assert.equal(clock.t, 1000, 'never sleeps past the end');
  });

  it('does not wait at an infinite rate', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ rate: Infinity, durationMs: 5, clock });
    assert.deepEqual(await releaseTimes(pacer, clock, 50), new Array(50).fill(0));
    clock.t = 5;
    assert.equal(await pacer.next(), false);
  });

  it('catches up after a stall with a bounded burst, then keeps the rate', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ rate: 10, clock, maxLagMs: 500 });
    await releaseTimes(pacer, clock, 3); // due at 0, 100, 200
    clock.t = 5000; // the caller was stuck for a while
    const times = await releaseTimes(pacer, clock, 9);
    // The late message and 500 ms of schedule (5 more) go out at once, then one every 100 ms again.
    assert.deepEqual(times, [5000, 5000, 5000, 5000, 5000, 5000, 5100, 5200, 5300]);
  });

  it('stops when the signal aborts', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const pacer = new Pacer({ rate: 10, clock });
    assert.equal(await pacer.next(controller.signal), true);
    controller.abort();
    assert.equal(await pacer.next(controller.signal), false);
  });

  it('rejects a rate or duration it cannot keep', () => {
    assert.throws(() => new Pacer({ rate: 0 }), RangeError);
    assert.throws(() => new Pacer({ rate: Number.NaN }), RangeError);
    assert.throws(() => new Pacer({ rate: 1, durationMs: -1 }), RangeError);
  });
});
