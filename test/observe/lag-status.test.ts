// The Burrow-style evaluator, table-driven: windows of samples in, status and reason out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type GroupStatus, type StatusSample, evaluateGroup } from '../../src/observe/lag-status.ts';

/** A sample every 5 s of one partition (t/0): [members, committed, lag]. */
function windowOf(...points: [number, number | null, number][]): StatusSample[] {
  return points.map(([members, committed, lag], i) => ({ at: i * 5_000, members, totalLag: lag, partitions: [{ topic: 't', partition: 0, committed, lag }] }));
}

const cases: { name: string; window: StatusSample[]; status: GroupStatus; reason: RegExp }[] = [
  { name: 'no lag now', window: windowOf([1, 10, 5], [1, 20, 0]), status: 'OK', reason: /^no lag$/ },
  { name: 'a single caught-up sample', window: windowOf([0, 10, 0]), status: 'OK', reason: /^no lag$/ },
  { name: 'lag was 0 within the window (Burrow rule 1)', window: windowOf([1, 10, 0], [1, 10, 3], [1, 10, 7]), status: 'OK', reason: /lag was 0 within the last 10 s; now 7/ },
  { name: 'no member while lagging, one sample', window: windowOf([0, null, 25]), status: 'STOP', reason: /^no live consumer while 25 record\(s\) wait$/ },
  { name: 'no member in any sample while lagging', window: windowOf([0, 10, 25], [0, 10, 30], [0, 10, 40]), status: 'STOP', reason: /no live consumer for 10 s while 40 record\(s\) wait/ },
  { name: 'members, offsets not moving, lagging', window: windowOf([1, 10, 5], [1, 10, 5], [1, 10, 9]), status: 'STALL', reason: /^t\/0: committed offset 10 unchanged for 10 s while lag 9$/ },
  { name: 'members came back but never committed', window: windowOf([0, null, 5], [1, null, 5]), status: 'STALL', reason: /no committed offset unchanged for 5 s/ },
  { name: 'offsets moving, lag rising every interval', window: windowOf([1, 10, 5], [1, 20, 8], [1, 30, 8], [1, 40, 12]), status: 'WARN', reason: /lag rose from 5 to 12 over 15 s/ },
  { name: 'offsets moving, lag falling', window: windowOf([1, 10, 50], [1, 40, 30], [1, 70, 10]), status: 'OK', reason: /consuming: lag 50 -> 10 over 10 s/ },
  { name: 'offsets moving, lag up then down', window: windowOf([1, 10, 5], [1, 20, 9], [1, 30, 7]), status: 'OK', reason: /consuming/ },
  { name: 'offsets moving, lag flat', window: windowOf([1, 10, 5], [1, 20, 5]), status: 'OK', reason: /consuming: lag 5 -> 5/ },
  { name: 'one lagging sample with a member: no trend yet', window: windowOf([1, 10, 5]), status: 'OK', reason: /one sample, no trend yet/ },
];

describe('evaluateGroup', () => {
  for (const c of cases) {
    it(`${c.status}: ${c.name}`, () => {
      const got = evaluateGroup(c.window);
      assert.equal(got.status, c.status);
      assert.match(got.reason, c.reason);
    });
  }

  it('finds the stalled partition among moving ones', () => {
    const window: StatusSample[] = [0, 1, 2].map((i) => ({
      at: i * 5_000,
      members: 2,
      totalLag: 10 - i,
      partitions: [
        { topic: 'a', partition: 0, committed: 100 + i * 10, lag: 5 - i },
        { topic: 'a', partition: 3, committed: 42, lag: 5 },
      ],
    }));
    assert.deepEqual(evaluateGroup(window), { status: 'STALL', reason: 'a/3: committed offset 42 unchanged for 10 s while lag 5' });
  });

  it('STOP outranks a stalled partition, STALL outranks a rising lag', () => {
    assert.equal(evaluateGroup(windowOf([0, 10, 5], [0, 10, 9])).status, 'STOP');
    assert.equal(evaluateGroup(windowOf([1, 10, 5], [1, 10, 9])).status, 'STALL');
  });

  it('refuses an empty window', () => {
    assert.throws(() => evaluateGroup([]), RangeError);
  });
});
