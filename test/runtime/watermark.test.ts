import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartitionWatermark, WatermarkTracker } from '../../src/runtime/watermark.ts';

function tracked(...offsets: bigint[]): PartitionWatermark {
  const watermark = new PartitionWatermark();
  for (const offset of offsets) assert.equal(watermark.track(offset), true);
  return watermark;
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

describe('PartitionWatermark', () => {
  it('has nothing to commit before anything is tracked', () => {
    const watermark = new PartitionWatermark();
    assert.equal(watermark.committable(), undefined);
    assert.equal(watermark.inFlight, 0);
    assert.equal(watermark.position, undefined);
  });

  it('advances only over the contiguous finished prefix when completions come out of order', () => {
    const watermark = tracked(0n, 1n, 2n, 3n, 4n, 5n);
    assert.equal(watermark.committable(), 0n);
    assert.equal(watermark.complete(3n), true);
    assert.equal(watermark.complete(5n), true);
    assert.equal(watermark.committable(), 0n, 'offset 0 is unfinished');
    watermark.complete(0n);
    assert.equal(watermark.committable(), 1n);
    watermark.complete(2n);
    assert.equal(watermark.committable(), 1n, 'offset 1 is unfinished');
    watermark.complete(1n);
    assert.equal(watermark.committable(), 4n, '3 was already done, 4 is not');
    assert.equal(watermark.inFlight, 1);
    watermark.complete(4n);
    assert.equal(watermark.committable(), 6n, 'all done: the next offset to read');
    assert.equal(watermark.inFlight, 0);
  });

  it('does not let a gap between tracked offsets block progress', () => {
    const watermark = tracked(10n, 13n, 20n);
    watermark.complete(10n);
    assert.equal(watermark.committable(), 13n, '11 and 12 were never fetched: not unfinished');
    watermark.complete(20n);
    assert.equal(watermark.committable(), 13n);
    watermark.complete(13n);
    assert.equal(watermark.committable(), 21n);
  });

  it('holds the commit at an unfinished offset after a gap', () => {
    const watermark = tracked(5n, 8n);
    watermark.complete(8n);
    assert.equal(watermark.committable(), 5n);
    watermark.complete(5n);
    assert.equal(watermark.committable(), 9n);
  });

  it('reports nothing new after markCommitted, and never regresses', () => {
    const watermark = tracked(0n, 1n, 2n);
    watermark.complete(0n);
    assert.equal(watermark.committable(), 1n);
    watermark.markCommitted(1n);
    assert.equal(watermark.committable(), undefined);
    watermark.complete(2n);
    assert.equal(watermark.committable(), undefined, 'still held at 1');
    watermark.complete(1n);
    assert.equal(watermark.committable(), 3n);
    watermark.markCommitted(3n);
    watermark.markCommitted(2n); // a slower, older commit finishing late
    assert.equal(watermark.committed, 3n);
    assert.equal(watermark.committable(), undefined);
  });

  it('starts from the committed offset of an assignment', () => {
    const watermark = new PartitionWatermark(100n);
    assert.equal(watermark.committable(), undefined);
    assert.equal(watermark.track(99n), false, 'below where fetching starts');
    watermark.track(100n);
    assert.equal(watermark.committable(), undefined, 'still at 100');
    watermark.complete(100n);
    assert.equal(watermark.committable(), 101n);
  });

  it('refuses redelivered offsets and ignores unknown or repeated completions', () => {
    const watermark = tracked(0n, 1n, 2n);
    assert.equal(watermark.track(2n), false);
    assert.equal(watermark.track(1n), false);
    assert.equal(watermark.complete(7n), false, 'never tracked');
    assert.equal(watermark.complete(1n), true);
    assert.equal(watermark.complete(1n), false, 'already complete');
    assert.equal(watermark.inFlight, 2);
    watermark.complete(0n);
    assert.equal(watermark.complete(0n), false, 'already passed');
    assert.equal(watermark.committable(), 2n);
  });

  it('rejects negative offsets', () => {
    assert.throws(() => new PartitionWatermark().track(-1n), RangeError);
    assert.throws(() => new PartitionWatermark(-5n), RangeError);
  });

  it('handles offsets beyond 2^53', () => {
    const base = 2n ** 60n;
    const watermark = tracked(base, base + 1n);
    watermark.complete(base + 1n);
    watermark.complete(base);
    assert.equal(watermark.committable(), base + 2n);
  });

  it('skipTo moves past trailing offsets without records, but never past unfinished ones', () => {
    const watermark = tracked(0n, 1n);
    watermark.skipTo(5n);
    assert.equal(watermark.committable(), 0n);
    watermark.complete(0n);
    watermark.complete(1n);
    assert.equal(watermark.committable(), 5n, 'a transaction marker at 2..4');
    watermark.skipTo(3n);
    assert.equal(watermark.position, 5n, 'a lower position is ignored');
    assert.equal(watermark.track(4n), false);
    assert.equal(watermark.track(5n), true);
  });

  it('drops everything on revocation and ignores late completions', () => {
    const watermark = tracked(0n, 1n, 2n);
    watermark.complete(1n);
    watermark.revoke();
    assert.equal(watermark.revoked, true);
    assert.equal(watermark.inFlight, 0);
    assert.equal(watermark.committable(), undefined);
    assert.equal(watermark.complete(0n), false, 'a task finishing after the revocation');
    assert.equal(watermark.track(3n), false);
    assert.equal(watermark.committable(), undefined);
  });

  it('matches a naive model over random gaps and random completion order', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const rand = random(seed);
      const watermark = new PartitionWatermark();
      const offsets: bigint[] = [];
      let next = 0n;
      for (let i = 0; i < 1500; i++) {
        next += BigInt(1 + Math.floor(rand() * 3)); // gaps of 0..2 offsets
        offsets.push(next);
        watermark.track(next);
      }
      const done = new Set<bigint>();
      const order = [...offsets];
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j] as bigint, order[i] as bigint];
      }
      for (const offset of order) {
        assert.equal(watermark.complete(offset), true);
        done.add(offset);
        const lowest = offsets.find((o) => !done.has(o));
        assert.equal(watermark.committable(), lowest ?? next + 1n, `seed ${seed}`);
        assert.equal(watermark.inFlight, offsets.length - done.size);
      }
    }
  });

  it('copes with many thousands in flight, completed in reverse', () => {
    const watermark = new PartitionWatermark();
    const n = 50_000;
    for (let i = 0; i < n; i++) watermark.track(BigInt(i));
    for (let i = n - 1; i > 0; i--) watermark.complete(BigInt(i));
    assert.equal(watermark.committable(), 0n);
    assert.equal(watermark.inFlight, 1);
    watermark.complete(0n);
    assert.equal(watermark.committable(), BigInt(n));
  });

  it('stays correct over a long sliding window of random completions', () => {
    const rand = random(42);
    const watermark = new PartitionWatermark();
    const window = 3000;
    const done: boolean[] = [];
    const unfinished: number[] = [];
    let lowest = 0;
    for (let offset = 0; offset < 40_000; offset++) {
      watermark.track(BigInt(offset));
      done.push(false);
      unfinished.push(offset);
      if (unfinished.length < window) continue;
      // Finish a random in-flight offset: swap-remove keeps this O(1).
      const i = Math.floor(rand() * unfinished.length);
      const finished = unfinished[i] as number;
      unfinished[i] = unfinished[unfinished.length - 1] as number;
      unfinished.pop();
      assert.equal(watermark.complete(BigInt(finished)), true);
      done[finished] = true;
      while (done[lowest]) lowest++;
      assert.equal(watermark.committable(), BigInt(lowest));
    }
    assert.equal(watermark.inFlight, window - 1);
  });
});

describe('WatermarkTracker', () => {
  it('keeps one watermark per topic and partition and lists what can be committed', () => {
    const tracker = new WatermarkTracker();
    const a0 = tracker.track('a', 0, 0n);
    const a1 = tracker.track('a', 1, 40n);
    const b0 = tracker.track('b', 0, 7n);
    assert.ok(a0 && a1 && b0);
    assert.notEqual(a0, a1);
    assert.equal(tracker.track('a', 0, 1n), a0);
    assert.equal(tracker.track('a', 0, 1n), undefined, 'redelivered');
    assert.equal(tracker.inFlight, 4);

    a0.complete(0n);
    b0.complete(7n);
    assert.deepEqual(tracker.committable(), [
      { topic: 'a', partition: 0, offset: 1n },
      { topic: 'a', partition: 1, offset: 40n },
      { topic: 'b', partition: 0, offset: 8n },
    ]);
    tracker.markCommitted(tracker.committable());
    assert.deepEqual(tracker.committable(), []);
    assert.equal(tracker.inFlight, 2);
  });

  it('starts an assigned partition at its committed offset', () => {
    const tracker = new WatermarkTracker();
    const watermark = tracker.assign('a', 3, 500n);
    assert.equal(tracker.get('a', 3), watermark);
    assert.equal(tracker.track('a', 3, 499n), undefined);
    tracker.track('a', 3, 500n);
    watermark.complete(500n);
    assert.deepEqual(tracker.committable(), [{ topic: 'a', partition: 3, offset: 501n }]);
  });

  it('forgets revoked partitions, and a stale handle cannot touch the next assignment', () => {
    const tracker = new WatermarkTracker();
    const old = tracker.track('a', 0, 10n);
    assert.ok(old);
    tracker.track('a', 1, 0n);
    assert.equal(tracker.revoke('a', 0), true);
    assert.equal(tracker.revoke('a', 0), false);
    assert.equal(tracker.get('a', 0), undefined);
    assert.equal(tracker.inFlight, 1);

    const fresh = tracker.assign('a', 0, 10n);
    fresh.track(10n);
    assert.equal(old.complete(10n), false, 'the old task finishing late');
    assert.equal(fresh.inFlight, 1);
    assert.deepEqual(tracker.committable(), [{ topic: 'a', partition: 1, offset: 0n }], 'a/0 stays at 10');

    tracker.markCommitted([{ topic: 'gone', partition: 9, offset: 1n }]); // ignored
    tracker.revokeAll();
    assert.equal(fresh.revoked, true);
    assert.equal(tracker.inFlight, 0);
    assert.deepEqual([...tracker.entries()], []);
  });
});
