import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_CONCURRENCY, KeyScheduler, TaskNotStartedError } from '../../src/runtime/key-scheduler.ts';

/** Submits a task and returns how it ended, as a promise. */
function submit<T>(scheduler: KeyScheduler, key: string, run: () => T | PromiseLike<T>): Promise<T> {
  const { promise, resolve, reject } = Promise.withResolvers<T>();
  scheduler.submit(key, run, (failed, result) => (failed ? reject(result) : resolve(result as T)));
  return promise;
}

// Deterministic PRNG, so a failure can be replayed.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A task the test finishes by hand; `started` records whether the scheduler ran it. */
function manual<T = void>() {
  const { promise, resolve, reject } = Promise.withResolvers<T>();
  const handle = { started: false, resolve, reject, run: () => ((handle.started = true), promise) };
  return handle;
}

// A timeout turns a scheduler that never settles a task into a failure instead of a hang.
describe('KeyScheduler', { timeout: 10_000 }, () => {
  it('returns task results and defaults to a concurrency of 256', async () => {
    const scheduler = new KeyScheduler();
    assert.equal(scheduler.concurrency, DEFAULT_CONCURRENCY);
    assert.equal(DEFAULT_CONCURRENCY, 256);
    assert.equal(await submit(scheduler, 'k', () => 42), 42);
    assert.equal(await submit(scheduler, 'k', async () => 'async'), 'async');
  });

  it('rejects a concurrency that is not a positive integer', () => {
    for (const concurrency of [0, -1, 1.5, Number.NaN, Infinity]) {
      assert.throws(() => new KeyScheduler({ concurrency }), RangeError);
    }
  });

  it('runs one task per key at a time, in submission order, whatever their durations', async () => {
    const scheduler = new KeyScheduler({ concurrency: 8 });
    const log: string[] = [];
    const results = await Promise.all([
      submit(scheduler, 'p1', async () => (await sleep(5), log.push('p1-a'), 'a')),
      submit(scheduler, 'p1', () => (log.push('p1-b'), 'b')),
      submit(scheduler, 'p1', async () => (await nextTurn(), log.push('p1-c'), 'c')),
    ]);
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.deepEqual(log, ['p1-a', 'p1-b', 'p1-c']);
  });

  it('runs different keys concurrently up to the limit, then queues', async () => {
    const scheduler = new KeyScheduler({ concurrency: 2 });
    const a = manual();
    const b = manual();
    const c = manual();
    const a2 = manual();
    const done = [
      submit(scheduler, 'a', a.run),
      submit(scheduler, 'b', b.run),
      submit(scheduler, 'c', c.run),
      submit(scheduler, 'a', a2.run),
    ];
    assert.deepEqual([a.started, b.started, c.started, a2.started], [true, true, false, false]);
    assert.equal(scheduler.running, 2);
    assert.equal(scheduler.queued, 2);
    assert.equal(scheduler.pendingKeys, 3);

    b.resolve();
    await done[1];
    assert.equal(c.started, true, 'the freed slot goes to the next ready key');
    assert.equal(a2.started, false, 'a is still busy');
    assert.equal(scheduler.pendingKeys, 2, 'b has no more work and is forgotten');

    a.resolve();
    await done[0];
    assert.equal(a2.started, true);
    c.resolve();
    a2.resolve();
    await Promise.all(done);
    assert.deepEqual([scheduler.running, scheduler.queued, scheduler.pendingKeys], [0, 0, 0]);
  });

  it('reports a throwing task to its submitter and then runs the key\'s next task', async () => {
    const scheduler = new KeyScheduler({ concurrency: 4 });
    const boom = new Error('boom');
    const first = manual();
    const second = manual<string>();
    const failed = submit(scheduler, 'k', first.run);
    const next = submit(scheduler, 'k', second.run);
    const syncThrow = submit(scheduler, 'k', () => {
      throw boom;
    });
    const last = submit(scheduler, 'k', () => 'last');

    await nextTurn();
    assert.equal(second.started, false, 'must wait for the first task, even though it will fail');
    first.reject(boom);
    await assert.rejects(failed, (err) => err === boom);
    assert.equal(second.started, true);
    second.resolve('second');
    assert.equal(await next, 'second');
    await assert.rejects(syncThrow, (err) => err === boom);
    assert.equal(await last, 'last');
    assert.equal(scheduler.pendingKeys, 0);
  });

  it('gives a free slot to the oldest waiting task whose key is free', async () => {
    const scheduler = new KeyScheduler({ concurrency: 2 });
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(name);
      await nextTurn();
    };
    // hot1 and a start; hot2 is older than b and c but waits for hot1; when a slot frees, the
    // oldest ready task wins (hot2 once hot1 is done, else b before c).
    const done = [1, 2, 3].map((n) => submit(scheduler, 'hot', task(`hot${n}`)));
    done.push(submit(scheduler, 'a', task('a')), submit(scheduler, 'b', task('b')), submit(scheduler, 'c', task('c')));
    await Promise.all(done);
    assert.deepEqual(log, ['hot1', 'a', 'hot2', 'b', 'hot3', 'c']);
  });

  it('lets a busy key take one slot only: other keys go on beside it', async () => {
    const scheduler = new KeyScheduler({ concurrency: 3 });
    const running = new Set<string>();
    let othersBesideHot = 0;
    const task = (key: string) => async () => {
      running.add(key);
      if (key !== 'hot' && running.has('hot')) othersBesideHot++;
      await nextTurn();
      running.delete(key);
    };
    const done = Array.from({ length: 20 }, () => submit(scheduler, 'hot', task('hot')));
    for (const k of ['a', 'b', 'c', 'd']) done.push(submit(scheduler, k, task(k)));
    await Promise.all(done);
    assert.equal(othersBesideHot, 4, 'every other key ran while the hot key was busy');
  });

  it('keeps per-key order and the concurrency limit over 10,000 tasks on 1,000 keys', async () => {
    const concurrency = 256;
    const scheduler = new KeyScheduler({ concurrency });
    const rand = random(7);
    const keys = 1000;
    const tasks = 10_000;
    const submitted = new Array<number>(keys).fill(0);
    const nextExpected = new Array<number>(keys).fill(0);
    const busy = new Array<boolean>(keys).fill(false);
    let running = 0;
    let maxRunning = 0;
    let violations = 0;
    let failures = 0;
    const settled: Promise<unknown>[] = [];

    for (let i = 0; i < tasks; i++) {
      const key = Math.floor(rand() * keys);
      const seq = submitted[key] as number;
      submitted[key] = seq + 1;
      const delay = rand();
      const fails = rand() < 0.01;
      const run = async (): Promise<number> => {
        if (busy[key] || nextExpected[key] !== seq) violations++;
        busy[key] = true;
        running++;
        maxRunning = Math.max(maxRunning, running);
        if (scheduler.running > concurrency) violations++;
        if (delay < 0.3) await nextTurn();
        else await sleep(Math.floor(delay * 4)); // 0..3 ms
        running--;
        busy[key] = false;
        nextExpected[key] = seq + 1;
        if (fails) throw new Error('task failed');
        return seq;
      };
      settled.push(
        submit(scheduler, `key-${key}`, run).then(
          (value) => assert.equal(value, seq),
          () => failures++,
        ),
      );
      // Arrivals interleave with completions, as records do from successive fetches.
      if (i % 500 === 499) await nextTurn();
    }
    await Promise.all(settled);
    await scheduler.idle();

    assert.equal(violations, 0);
    assert.ok(maxRunning <= concurrency, `max running ${maxRunning}`);
    assert.ok(maxRunning >= concurrency / 2, `max running ${maxRunning}: the limit was never approached`);
    assert.ok(failures > 0, 'some tasks failed');
    assert.deepEqual(nextExpected, submitted, 'every task of every key ran');
    assert.deepEqual([scheduler.running, scheduler.queued, scheduler.pendingKeys], [0, 0, 0]);
  });

  it('stop leaves queued tasks unstarted, lets running ones finish, and refuses new work', async () => {
    const scheduler = new KeyScheduler({ concurrency: 1 });
    const running = manual<string>();
    const queuedSame = manual();
    const queuedOther = manual();
    const result = submit(scheduler, 'a', running.run);
    const notStarted = [submit(scheduler, 'a', queuedSame.run), submit(scheduler, 'b', queuedOther.run)];

    assert.equal(scheduler.stop(), 2);
    assert.equal(scheduler.stopped, true);
    for (const promise of notStarted) await assert.rejects(promise, TaskNotStartedError);
    await assert.rejects(submit(scheduler, 'c', () => 1), TaskNotStartedError);
    assert.deepEqual([scheduler.running, scheduler.queued, scheduler.pendingKeys], [1, 0, 1]);

    let idle = false;
    const whenIdle = scheduler.idle().then(() => (idle = true));
    await nextTurn();
    assert.equal(idle, false, 'a task is still running');
    running.resolve('finished');
    assert.equal(await result, 'finished');
    await whenIdle;
    assert.equal(queuedSame.started, false);
    assert.equal(queuedOther.started, false);
    assert.deepEqual([scheduler.running, scheduler.queued, scheduler.pendingKeys], [0, 0, 0]);

    scheduler.resume();
    assert.equal(await submit(scheduler, 'a', () => 'again'), 'again');
  });

  it('keeps a key ordered across stop and resume while its task still runs', async () => {
    const scheduler = new KeyScheduler({ concurrency: 4 });
    const first = manual();
    const done = submit(scheduler, 'a', first.run);
    scheduler.stop();
    scheduler.resume();
    const second = manual();
    const after = submit(scheduler, 'a', second.run);
    await nextTurn();
    assert.equal(second.started, false);
    first.resolve();
    await done;
    assert.equal(second.started, true);
    second.resolve();
    await after;
  });

  it('idle resolves at once when there is no work, and for every waiter when work ends', async () => {
    const scheduler = new KeyScheduler();
    await scheduler.idle();
    const task = manual();
    const done = submit(scheduler, 'a', task.run);
    const waiters = [scheduler.idle(), scheduler.idle()];
    task.resolve();
    await done;
    await Promise.all(waiters);
  });

  it('runs a task submitted from inside a task of the same key after it', async () => {
    const scheduler = new KeyScheduler({ concurrency: 2 });
    const log: string[] = [];
    let inner: Promise<void> | undefined;
    await submit(scheduler, 'a', () => {
      inner = submit(scheduler, 'a', () => void log.push('inner'));
      log.push('outer');
    });
    await inner;
    assert.deepEqual(log, ['outer', 'inner']);
  });

  it('settles a task that returns a plain value before submit returns, and runs long chains of them without growing the stack', async () => {
    const scheduler = new KeyScheduler({ concurrency: 4 });
    const seen: unknown[] = [];
    scheduler.submit('a', () => 'now', (failed, result) => seen.push(failed, result));
    assert.deepEqual(seen, [false, 'now'], 'settled synchronously');
    assert.deepEqual([scheduler.running, scheduler.pendingKeys], [0, 0]);

    // 200,000 plain tasks queued behind one that is still running, then released at once.
    const first = manual();
    const head = submit(scheduler, 'hot', first.run);
    const order: number[] = [];
    for (let i = 0; i < 200_000; i++) scheduler.submit('hot', () => order.push(i), () => {});
    assert.equal(scheduler.queued, 200_000);
    first.resolve();
    await head;
    assert.equal(order.length, 200_000);
    assert.ok(order.every((v, i) => v === i), 'in submission order');
    assert.deepEqual([scheduler.running, scheduler.queued, scheduler.pendingKeys], [0, 0, 0]);
  });
});
