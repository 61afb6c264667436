import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUFFER_PER_SLOT, resolvePolicies } from '../../src/runtime/worker.ts';

describe('worker policies', () => {
  it('sizes the buffer by concurrency, at least 5,000, and resumes at half of it', () => {
    const defaults = resolvePolicies();
    assert.equal(defaults.concurrency, 256);
    assert.equal(defaults.maxBuffered, 256 * BUFFER_PER_SLOT);
    assert.equal(defaults.resumeBelow, Math.floor(defaults.maxBuffered / 2));
    assert.equal(resolvePolicies({ concurrency: 16 }).maxBuffered, 5_000);
    assert.equal(resolvePolicies({ concurrency: 1024 }).maxBuffered, 1024 * BUFFER_PER_SLOT);
  });

  it('keeps explicit limits and refuses a resume mark at or above the limit', () => {
    const p = resolvePolicies({ concurrency: 1024, maxBuffered: 300, resumeBelow: 100 });
    assert.deepEqual([p.maxBuffered, p.resumeBelow], [300, 100]);
    assert.equal(resolvePolicies({ maxBuffered: 300 }).resumeBelow, 150);
    assert.throws(() => resolvePolicies({ maxBuffered: 300, resumeBelow: 300 }), /resumeBelow must be below maxBuffered/);
    assert.throws(() => resolvePolicies({ concurrency: 0 }), /positive/);
  });
});
