import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fnv1a, Random } from '../../src/simulator/random.ts';

const draws = (r: Random, n: number, f: (r: Random) => number): number[] => Array.from({ length: n }, () => f(r));
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('Random', () => {
  it('gives the same sequence for the same seed, whether number or string', () => {
    assert.deepEqual(draws(new Random(42), 20, (r) => r.next()), draws(new Random('42'), 20, (r) => r.next()));
    assert.notDeepEqual(draws(new Random(42), 20, (r) => r.next()), draws(new Random(43), 20, (r) => r.next()));
  });

  it('keeps values in their ranges', () => {
    const r = new Random('ranges');
    for (let i = 0; i < 10_000; i++) {
      const u = r.next();
      assert.ok(u >= 0 && u < 1);
      const n = r.int(3, 7);
      assert.ok(Number.isInteger(n) && n >= 3 && n <= 7);
    }
    assert.deepEqual(new Set(draws(r, 1000, (x) => x.int(1, 3))), new Set([1, 2, 3]));
  });

  it('has the distributions it claims (loosely)', () => {
    const r = new Random('distributions');
    assert.ok(Math.abs(mean(draws(r, 20_000, (x) => x.normal(10, 2))) - 10) < 0.1);
    assert.ok(Math.abs(median(draws(r, 20_000, (x) => x.lognormal(4, 0.6))) / 4 - 1) < 0.05);
    assert.ok(Math.abs(mean(draws(r, 20_000, (x) => x.exponential(3))) / 3 - 1) < 0.05);
    assert.ok(Math.abs(mean(draws(r, 20_000, (x) => x.poisson(2.5))) - 2.5) < 0.1);
    assert.ok(Math.abs(mean(draws(r, 5_000, (x) => x.poisson(50))) - 50) < 1);
    const picks = draws(r, 20_000, (x) => x.weighted([[0, 1], [1, 3]] as const));
    assert.ok(Math.abs(mean(picks) - 0.75) < 0.02);
  });

  it('rejects picks it cannot make', () => {
    const r = new Random(1);
    assert.throws(() => r.pick([]), RangeError);
    assert.throws(() => r.weighted([['a', 0]]), RangeError);
  });

  it('forks independent, reproducible streams', () => {
    const a = new Random(7).fork('x');
    const b = new Random(7).fork('x');
    const c = new Random(7).fork('y');
    const seqA = draws(a, 5, (r) => r.next());
    assert.deepEqual(seqA, draws(b, 5, (r) => r.next()));
    assert.notDeepEqual(seqA, draws(c, 5, (r) => r.next()));
  });

  it('hashes with FNV-1a', () => {
    // Reference values of 32-bit FNV-1a.
    assert.equal(fnv1a(''), 0x811c9dc5);
    assert.equal(fnv1a('a'), 0xe40c292c);
  });
});
