import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createPseudonymizer, loadPseudonymKey } from '../../src/phi/pseudonym.ts';
import { CANARY } from '../support/canary.ts';

describe('pseudonymous keys', () => {
  const keys = createPseudonymizer(Buffer.alloc(32, 7));

  it('are stable for a key, differ by authority and kind, and never contain the identifier', () => {
    const a = keys.patientKey({ value: CANARY.mrn, authority: 'NORTHWIND' });
    assert.equal(a, keys.patientKey({ value: CANARY.mrn, authority: 'NORTHWIND' }));
    assert.notEqual(a, keys.patientKey({ value: CANARY.mrn, authority: 'SOUTHWIND' }));
    assert.notEqual(a.slice(3), keys.encounterKey(CANARY.mrn, 'NORTHWIND').slice(4));
    assert.match(a, /^pt-[A-Za-z0-9_-]{32}$/);
    assert.ok(!a.includes(CANARY.mrn) && !a.includes('CANARY'));
    assert.notEqual(a, createPseudonymizer(Buffer.alloc(32, 8)).patientKey({ value: CANARY.mrn, authority: 'NORTHWIND' }));
  });

  it('refuse a short key; the key file is made once, readable by its owner only', () => {
    assert.throws(() => createPseudonymizer(Buffer.alloc(16)), /at least 32 bytes/);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-keys-'));
    try {
      const file = join(dir, 'keys', 'pseudonym.key');
      const first = loadPseudonymKey(file, {});
      assert.equal(first.length, 32);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(loadPseudonymKey(file, {}), first);
      assert.deepEqual(loadPseudonymKey(file, { VIGIL_PSEUDONYM_KEY: Buffer.alloc(32, 1).toString('base64') }), Buffer.alloc(32, 1));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
