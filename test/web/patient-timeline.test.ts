// The patient timeline over HTTP: investigators only, with a reason, audited before anything is
// returned; 401 without a token, 403 for a viewer, 400 without a reason, 404 for no such patient.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { validateEvent } from '../../src/event/envelope.ts';
import { SYSTEM } from '../../src/event/payloads.ts';
import { projectEvent } from '../../src/processors/patient-timeline.ts';
import { listAudit } from '../../src/store/audit-log.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import { applyTimelineWrites } from '../../src/store/timeline.ts';
import { TokenStore, registerAuth } from '../../src/web/auth.ts';
import { registerPatientTimeline } from '../../src/web/patient-timeline.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-timeline-api-'));
const P = 'pt-timeline-api';

describe('patient timeline API', () => {
  let db: Database;
  const app = Fastify();
  const tokens = new TokenStore(join(dir, 'tokens.json'));
  const investigator = tokens.create('ivan', 'investigator');
  const viewer = tokens.create('vera', 'viewer');

  before(async () => {
    db = await openDatabase({});
    const result = validateEvent({
      event_id: 'tl-k', event_type: 'lab_result', patient_id: P, encounter_id: 'enc-tl', event_timestamp: '2026-11-26T09:00:00Z',
      payload: { patient: { identifiers: [] }, source: { format: 'json' }, order: {}, observations: [{ code: { system: SYSTEM.loinc, code: '2823-3' }, value: 6.9, valueType: 'NM', units: 'mmol/L', abnormalFlags: ['HH'], status: 'F', observedAt: '2026-11-26T09:00:00Z' }] },
    });
    await db.transaction((tx) => applyTimelineWrites(tx, projectEvent(result).writes ?? []));
    registerAuth(app, tokens);
    registerPatientTimeline(app, db);
  });
  after(async () => {
    await app.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = (token: string | undefined, body: unknown, patient = P) =>
    app.inject({ method: 'POST', url: `/api/patients/${patient}/timeline`, headers: token ? { authorization: `Bearer ${token}` } : {}, payload: body as object });

  it('refuses without a token, a viewer, and a request without a reason; none of them is audited', async () => {
    assert.equal((await ask(undefined, { reason: 'x' })).statusCode, 401);
    assert.equal((await ask(viewer, { reason: 'x' })).statusCode, 403);
    const noReason = await ask(investigator, {});
    assert.equal(noReason.statusCode, 400);
    assert.match(noReason.json().error, /needs a reason/);
    assert.equal((await ask(investigator, { reason: 'x' }, 'pt-nobody')).statusCode, 404);
    assert.deepEqual(await listAudit(db), []);
  });

  it('returns the timeline to an investigator and audits the access with who and why', async () => {
    const res = await ask(investigator, { reason: 'reviewing a critical potassium' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    const { timeline } = res.json() as { timeline: { patientId: string; observations: { value: number }[] } };
    assert.equal(timeline.patientId, P);
    assert.deepEqual(timeline.observations.map((o) => o.value), [6.9]);
    const [row] = await listAudit(db);
    assert.deepEqual([row?.actor, row?.action, row?.target, row?.reason], ['token:ivan', 'patient.timeline', P, 'reviewing a critical potassium']);
  });
});
