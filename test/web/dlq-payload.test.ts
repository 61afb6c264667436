// The DLQ payload view with encryption on, over a real broker, PGlite and the real auth hook: an
// investigator sees a sealed dead letter decrypted with its patient's data key (and the view is in
// the audit log first), a forgotten patient's payload answers "forgotten", a viewer gets 403 and a
// caller without a token 401, neither of them with a canary value or an audit row.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Producer, stringSerializer } from '@platformatic/kafka';
import Fastify, { type FastifyInstance } from 'fastify';
import { encodeEvent } from '../../src/event/codec.ts';
import { validateEvent } from '../../src/event/envelope.ts';
import { LagMonitor } from '../../src/observe/lag.ts';
import { forgetPatient } from '../../src/phi/forget.ts';
import { LocalKeyring } from '../../src/phi/kek.ts';
import { PatientKeys } from '../../src/phi/patient-keys.ts';
import { PayloadCrypto } from '../../src/phi/payload-crypto.ts';
import { deadLetterHeaders } from '../../src/runtime/dead-letter.ts';
import { DlqMonitor } from '../../src/runtime/dlq-monitor.ts';
import { NonRetryableError } from '../../src/runtime/worker.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { TokenStore, registerAuth } from '../../src/web/auth.ts';
import { registerDashboard } from '../../src/web/dashboard.ts';
import { mainJobDashboardDeps } from '../../src/web/main-job-deps.ts';
import { CANARY, containsCanary, event } from '../support/canary.ts';
import { readRecords, testClientOptions, testConnection, topicOf, uniqueSuffix } from '../support/kafka.ts';
import { provisionedTopology } from '../support/topics.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-dlq-payload-'));

describe('the DLQ payload view decrypts sealed payloads for investigators', () => {
  const run = uniqueSuffix();
  const kept = validateEvent(event({ event_id: `${run}-kept`, event_type: 'medication_order', patient_id: `P-${run}-kept` }));
  const gone = validateEvent(event({ event_id: `${run}-gone`, event_type: 'medication_order', patient_id: `P-${run}-gone` }));
  const tokens = new TokenStore(join(dir, 'api-tokens.json'));
  const viewer = tokens.create('vera', 'viewer');
  const investigator = tokens.create('ivan', 'investigator');
  let topology: Topology;
  let db: Database;
  let keys: PatientKeys;
  let app: FastifyInstance;
  let lagMonitor: LagMonitor;
  let dlqMonitor: DlqMonitor;

  before(async () => {
    topology = await provisionedTopology();
    db = await openDatabase({});
    keys = new PatientKeys(db, new LocalKeyring(join(dir, 'kek')));
    const crypto = new PayloadCrypto(keys);
    // Two sealed events dead-lettered as a worker writes them: the sealed bytes, their headers and
    // the failure. Entry 0 is `kept`'s, entry 1 `gone`'s.
    const orders = topicOf(topology, 'clinical-orders');
    const producer = new Producer<Buffer, Buffer, string, string>({ clientId: 'vigil-test', ...testClientOptions(), serializers: { headerKey: stringSerializer, headerValue: stringSerializer } });
    try {
      for (const [offset, e] of [kept, gone].entries()) {
        const sealed = await crypto.seal(e);
        const encoded = encodeEvent(sealed.event, { source: 'urn:vigil:test', receivedTime: new Date().toISOString() });
        const headers = { ...encoded.headers, ...sealed.headers };
        const dl = deadLetterHeaders({ topic: orders, partition: 0, offset: BigInt(offset), key: e.patient_id, value: encoded.value, headers }, { group: 'ai-drug-interaction-check', attempts: 1, error: new NonRetryableError('medication_order payload: order.control must be a string') });
        await producer.send({ messages: [{ topic: topicOf(topology, 'ai-events-dlq'), key: Buffer.from(e.event_type), value: encoded.value, headers: dl }] });
      }
    } finally {
      await producer.close();
    }
    await forgetPatient(db, gone.patient_id, 'test', 'erasure request');
    keys.clearCache();

    lagMonitor = new LagMonitor({ ...testConnection(), clientId: 'vigil-test', topology });
    dlqMonitor = new DlqMonitor({ ...testConnection(), clientId: 'vigil-test', topology, db });
    app = Fastify();
    registerAuth(app, tokens);
    registerDashboard(app, mainJobDashboardDeps({ ...testConnection(), clientId: 'vigil-test', topology, db, lagMonitor, dlqMonitor, workers: [], openPayload: (e, h) => crypto.open(e, h) }));
    await app.ready();
  });

  after(async () => {
    await app?.close();
    dlqMonitor?.stop();
    await lagMonitor?.stop();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const viewPayload = (ref: string, token?: string) =>
    app.inject({ method: 'POST', url: `/api/dlq/${ref}/payload`, payload: { reason: 'INC-12: order feed rejected' }, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const payloadViews = () => db.query<{ actor: string; target: string; reason: string }>("SELECT actor, target, reason FROM audit_log WHERE action = 'dlq.view-payload' ORDER BY id");

  it('keeps the dead letters sealed on the DLQ topic', async () => {
    const records = await readRecords([topicOf(topology, 'ai-events-dlq')], 2);
    assert.equal(records.length, 2);
    for (const r of records) assert.equal(containsCanary(r.value.toString()), undefined);
  });

  it('refuses a caller without a token (401) and a viewer (403): no payload, no audit row', async () => {
    const anonymous = await viewPayload('0');
    assert.equal(anonymous.statusCode, 401);
    const asViewer = await viewPayload('0', viewer);
    assert.equal(asViewer.statusCode, 403);
    for (const res of [anonymous, asViewer]) assert.equal(containsCanary(res.body), undefined);
    assert.deepEqual(await payloadViews(), []);
  });

  it("shows an investigator the payload decrypted with the patient's key, audited first", async () => {
    const res = await viewPayload('0', investigator);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const { payload } = res.json<{ payload: { format: string; decrypted?: boolean; value: { event_id: string; payload: { patient: { name: string; mrn: string }; note: string } } } }>();
    assert.equal(payload.format, 'json');
    assert.equal(payload.decrypted, true);
    assert.equal(payload.value.event_id, kept.event_id);
    assert.equal(payload.value.payload.patient.name, CANARY.name);
    assert.equal(payload.value.payload.patient.mrn, CANARY.mrn);
    assert.equal(payload.value.payload.note, CANARY.note);
    assert.deepEqual(await payloadViews(), [{ actor: 'token:ivan', target: '0', reason: 'INC-12: order feed rejected' }]);
  });

  it("answers a forgotten patient's payload as forgotten, not an error, and audits the view", async () => {
    const res = await viewPayload('1', investigator);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { ref: '1', payload: { format: 'forgotten', eventId: gone.event_id } });
    assert.equal((await payloadViews()).at(-1)?.target, '1');
  });
});
