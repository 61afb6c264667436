import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PeriodicTask } from '../src/periodic.ts';

describe('periodic task', () => {
  it('runs at start and on the timer, one pass at a time; a failed pass goes to onError and the next one runs', async () => {
    let passes = 0;
    let running = 0;
    let overlapped = false;
    const errors: unknown[] = [];
    const third = Promise.withResolvers<void>();
    const task = new PeriodicTask(
      async () => {
        const n = ++passes;
        overlapped ||= ++running > 1;
        await sleep(15); // longer than the interval: the timer fires while a pass runs
        running--;
        if (n === 1) throw new Error('first pass fails');
        if (n === 3) third.resolve();
      },
      5,
      (err) => errors.push(err),
    );
    task.start();
    assert.equal(passes, 1, 'the first pass starts at once');
    await third.promise;
    await task.stop();
    const after = passes;
    assert.equal(running, 0, 'stop waited for the pass in progress');
    assert.equal(overlapped, false);
    assert.deepEqual(errors.map((e) => (e as Error).message), ['first pass fails']);
    await sleep(20);
    assert.equal(passes, after, 'no pass after stop');
  });
});
