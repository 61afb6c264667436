// ./vigil keys rotate and ./vigil forget-patient, run as a person would, on a PGlite store of a
// VIGIL_HOME of the test's own (no broker needed).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { HEADER } from '../../src/event/codec.ts';
import { validateEvent } from '../../src/event/envelope.ts';
import { payloadCrypto } from '../../src/phi/encryption.ts';
import { createPseudonymizer, loadPseudonymKey } from '../../src/phi/pseudonym.ts';
import { openStore } from '../../src/store/open.ts';
import { CANARY, containsCanary, event } from '../support/canary.ts';
import { runCli } from '../support/cli.ts';

describe('vigil keys rotate and forget-patient', () => {
  const home = mkdtempSync(join(tmpdir(), 'vigil-keys-'));
  // The embedded store of that home, whatever the test runner's environment says.
  const env = { VIGIL_HOME: home, DATABASE_URL: '' };
  const config = loadConfig({ ...process.env, ...env });
  const patientId = createPseudonymizer(loadPseudonymKey(join(home, 'keys', 'pseudonym.key'), {})).patientKey({ value: CANARY.mrn, authority: 'HOSP' });
  const admission = validateEvent(event({ patient_id: patientId, encounter_id: 'enc-keys' }));
  after(() => rmSync(home, { recursive: true, force: true }));

  it('refuses to open the store while another process holds it, saying what to do, naming no patient', async () => {
    const db = await openStore(config, {});
    try {
      await payloadCrypto(config, db).seal(admission);
      await db.query("INSERT INTO timeline_events (event_id, patient_id, encounter_id, event_type, event_time) VALUES ($1, $2, 'enc-keys', 'admission', now())", [admission.event_id, patientId]);
      const res = await runCli(['forget-patient', '--mrn', CANARY.mrn, '--authority', 'HOSP', '--reason', 'erasure request'], env);
      assert.equal(res.code, 1);
      assert.match(res.stderr, /stop the main job or set DATABASE_URL/);
      assert.equal(containsCanary(res.stderr + res.stdout), undefined);
    } finally {
      await db.close();
    }
  });

  it('rotates the KEK and re-wraps the stored data keys; sealed records stay readable', async () => {
    const res = await runCli(['keys', 'rotate'], env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /key-encryption key kek-0002 is current; 1 data key re-wrapped/);
    const db = await openStore(config, {});
    try {
      assert.deepEqual(await db.query('SELECT kek_id FROM patient_keys'), [{ kek_id: 'kek-0002' }]);
      const crypto = payloadCrypto(config, db);
      const sealed = await crypto.seal(admission);
      assert.deepEqual(await crypto.open(sealed.event, sealed.headers), admission);
    } finally {
      await db.close();
    }
  });

  it('forgets a patient named by MRN and authority: key destroyed, rows deleted, audited without the MRN', async () => {
    const db0 = await openStore(config, {});
    const sealed = await payloadCrypto(config, db0).seal(admission);
    await db0.close();

    const usage = await runCli(['forget-patient', patientId], env);
    assert.equal(usage.code, 64);
    assert.match(usage.stderr, /--reason is required/);

    const res = await runCli(['forget-patient', '--mrn', CANARY.mrn, '--authority', 'HOSP', '--reason', 'erasure request', '--by', 'dpo'], env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`forgot patient ${patientId}: 1 data key destroyed, 1 store rows deleted \\(timeline_events 1\\)`));
    assert.equal(containsCanary(res.stdout + res.stderr), undefined);

    const db = await openStore(config, {});
    try {
      assert.equal(await payloadCrypto(config, db).open(sealed.event, sealed.headers), undefined);
      assert.deepEqual(await db.query('SELECT count(*)::int AS n FROM timeline_events'), [{ n: 0 }]);
      const audit = await db.query<Record<string, unknown>>('SELECT * FROM patient_forgotten');
      assert.equal(audit.length, 1);
      assert.deepEqual({ ...audit[0], id: undefined, forgotten_at: undefined }, {
        id: undefined,
        forgotten_at: undefined,
        patient_id: patientId,
        forgotten_by: 'dpo',
        reason: 'erasure request',
        keys_destroyed: 1,
        rows_deleted: 1,
      });
      assert.equal(containsCanary(JSON.stringify(await db.query('SELECT * FROM patient_keys'))), undefined);
      assert.ok(sealed.headers[HEADER.encKey]);
    } finally {
      await db.close();
    }
  });
});
