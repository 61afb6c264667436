// The dashboard's JSON API over a real broker and PGlite, through fastify's inject: listings carry
// metadata only (no key, no payload, no canary), a payload is shown only with a reason and the
// view is in the audit log first, actions resolve entries and are audited, parked keys are named
// by fingerprint, and the AI decisions put critical alerts first without patient data.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Producer, stringSerializer } from '@platformatic/kafka';
import Fastify, { type FastifyInstance } from 'fastify';
import client from 'prom-client';
import { encodeEvent } from '../../src/event/codec.ts';
import { validateEvent } from '../../src/event/envelope.ts';
import { LagMonitor } from '../../src/observe/lag.ts';
import { deadLetterHeaders } from '../../src/runtime/dead-letter.ts';
import { DlqMonitor } from '../../src/runtime/dlq-monitor.ts';
import { NonRetryableError } from '../../src/runtime/worker.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import { keyFingerprint, listParkedKeys, parkKeys } from '../../src/store/parked-keys.ts';
import { recordAiOutputs } from '../../src/store/timeline.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { registerDashboard } from '../../src/web/dashboard.ts';
import { mainJobDashboardDeps } from '../../src/web/main-job-deps.ts';
import { CANARY, containsCanary, event } from '../support/canary.ts';
import { readRecords, testClientOptions, testConnection, topicOf, uniqueSuffix, waitFor } from '../support/kafka.ts';
import { provisionedTopology } from '../support/topics.ts';

interface EntryJson {
  ref: string;
  group: string;
  state: string;
  eventId: string | null;
  resolution: { action: string; by: string } | null;
}

describe('dashboard API against a real broker and store', () => {
  let topology: Topology;
  let db: Database;
  let app: FastifyInstance;
  let lagMonitor: LagMonitor;
  let dlqMonitor: DlqMonitor;
  const run = uniqueSuffix();
  const group = `dash-${run}`;
  const badEvent = validateEvent(event({ event_id: `${run}-bad`, event_type: 'lab_result', patient_id: CANARY.mrn }));

  before(async () => {
    topology = await provisionedTopology();
    db = await openDatabase({});
    // Two dead letters of one group, as a worker writes them: the original bytes and metadata.
    const labs = topicOf(topology, 'lab-results');
    const encoded = encodeEvent(badEvent, { source: 'urn:vigil:test', receivedTime: new Date().toISOString() });
    const producer = new Producer<Buffer, Buffer, string, string>({ clientId: 'vigil-test', ...testClientOptions(), serializers: { headerKey: stringSerializer, headerValue: stringSerializer } });
    try {
      for (const [offset, value, headers] of [
        [0n, encoded.value, encoded.headers],
        [1n, Buffer.from(`{"note": "${CANARY.note}"`), {}],
      ] as const) {
        const dl = deadLetterHeaders({ topic: labs, partition: 0, offset, key: CANARY.mrn, value, headers }, { group, attempts: 1, error: new NonRetryableError('bad') });
        await producer.send({ messages: [{ topic: topicOf(topology, 'ai-events-dlq'), key: Buffer.from(offset === 0n ? 'lab_result' : 'undecodable'), value, headers: dl }] });
      }
    } finally {
      await producer.close();
    }
    lagMonitor = new LagMonitor({ ...testConnection(), clientId: 'vigil-test', topology });
    dlqMonitor = new DlqMonitor({ ...testConnection(), clientId: 'vigil-test', topology, db });
    const stats = { group: 'patient-timeline', inFlight: 0, buffered: 0, paused: false, parkedKeys: 0, processed: 42, retries: 0, deadLettered: 2, reused: 0, transactions: 3, forgotten: 0 };
    app = Fastify();
    registerDashboard(app, mainJobDashboardDeps({ ...testConnection(), clientId: 'vigil-test', topology, db, lagMonitor, dlqMonitor, workers: [{ stats: () => stats }] }));
    await app.ready();
  });

  after(async () => {
    await app.close();
    dlqMonitor.stop();
    await lagMonitor.stop();
    await db.close();
  });

  const get = async <T>(url: string): Promise<{ status: number; body: T; text: string }> => {
    const res = await app.inject({ method: 'GET', url, remoteAddress: '127.0.0.1' });
    return { status: res.statusCode, body: res.json<T>(), text: res.body };
  };
  const post = async <T>(url: string, payload: Record<string, unknown> = {}): Promise<{ status: number; body: T; text: string }> => {
    const res = await app.inject({ method: 'POST', url, payload, remoteAddress: '127.0.0.1' });
    return { status: res.statusCode, body: res.json<T>(), text: res.body };
  };
  const audit = () => db.query<{ actor: string; action: string; target: string; reason: string | null }>('SELECT actor, action, target, reason FROM audit_log ORDER BY id');

  async function openEntries(): Promise<EntryJson[]> {
    dlqMonitor.invalidate();
    return (await get<{ entries: EntryJson[] }>('/api/dlq')).body.entries.filter((e) => e.group === group);
  }

  it('serves the page with a strict content security policy', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/html/);
    assert.match(res.headers['content-security-policy'] as string, /default-src 'self'/);
    assert.match(res.body, /<script src="\/static\/app.js"/);
    const js = await app.inject({ method: 'GET', url: '/static/app.js' });
    assert.equal(js.statusCode, 200);
  });

  it('lists DLQ entries with metadata only: no key, no payload, no canary value', async () => {
    let entries: EntryJson[] = [];
    await waitFor('two DLQ entries', async () => (entries = await openEntries()).length === 2);
    const res = await get<{ open: number; openByGroup: Record<string, number>; entries: Record<string, unknown>[] }>('/api/dlq');
    assert.equal(containsCanary(res.text), undefined);
    assert.equal(res.body.openByGroup[group], 2);
    for (const e of res.body.entries) for (const field of ['key', 'value', 'headers', 'payload']) assert.equal(Object.hasOwn(e, field), false, field);
    const one = await get<EntryJson>(`/api/dlq/${encodeURIComponent((entries[0] as EntryJson).ref)}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.eventId, badEvent.event_id);
    assert.equal(containsCanary(one.text), undefined);
    assert.equal((await get(`/api/dlq/999999`)).status, 404);
  });

  it('shows a payload only with a reason, and writes the audit row first', async () => {
    const [entry] = await openEntries();
    assert.ok(entry);
    const refused = await post<{ error: string }>(`/api/dlq/${entry.ref}/payload`, {});
    assert.equal(refused.status, 400);
    assert.match(refused.body.error, /needs a reason/);
    assert.equal(containsCanary(refused.text), undefined);
    assert.deepEqual(await audit(), []);

    const viewed = await post<{ ref: string; payload: { format: string; value: { patient_id: string } } }>(`/api/dlq/${entry.ref}/payload`, { reason: 'INC-7: wrong units from the lab' });
    assert.equal(viewed.status, 200);
    assert.equal(viewed.body.payload.format, 'json');
    assert.equal(viewed.body.payload.value.patient_id, CANARY.mrn);
    assert.deepEqual(await audit(), [{ actor: 'dashboard@127.0.0.1', action: 'dlq.view-payload', target: entry.ref, reason: 'INC-7: wrong units from the lab' }]);
    const log = await get<{ entries: { action: string }[] }>('/api/audit');
    assert.equal(log.body.entries[0]?.action, 'dlq.view-payload');
  });

  it('replays an entry: it goes back to its source and leaves the open list, marked replayed', async () => {
    const [entry, other] = await openEntries();
    assert.ok(entry && other);
    const res = await post<{ redelivered: { ref: string; topic: string }[] }>(`/api/dlq/${entry.ref}/replay`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.redelivered.map((r) => r.ref), [entry.ref]);
    const back = (await readRecords([topicOf(topology, 'lab-results')], 1, 3_000)).filter((r) => r.headers.vigil_replay_of === entry.ref);
    assert.equal(back.length, 1);

    assert.deepEqual((await openEntries()).map((e) => e.ref), [other.ref]);
    const all = (await get<{ entries: EntryJson[] }>('/api/dlq?all=1')).body.entries.find((e) => e.ref === entry.ref);
    assert.equal(all?.state, 'replayed');
    assert.equal(all?.resolution?.by, 'dashboard@127.0.0.1');
  });

  it('purges every open entry of a group, and the gauge counts what is left open', async () => {
    const res = await post<{ purged: string[] }>(`/api/dlq/groups/${group}/purge`, { reason: 'malformed at the source' });
    assert.equal(res.status, 200);
    assert.equal(res.body.purged.length, 1);
    assert.deepEqual(await openEntries(), []);
    const gauge = await client.register.getSingleMetric('vigil_dlq_open_entries')?.get();
    assert.equal(gauge?.values[0]?.value, 0);
    assert.deepEqual((await audit()).map((a) => a.action), ['dlq.view-payload', 'dlq.replay', 'dlq.purge']);
  });

  it('names parked keys by fingerprint and releases them by it', async () => {
    const parkedGroup = `dash-parked-${run}`;
    await parkKeys(db, parkedGroup, [{ key: CANARY.mrn, topic: topicOf(topology, 'lab-results'), partition: 0, offset: 5n }]);
    const listed = await get<{ keys: { group: string; keyRef: string }[] }>('/api/parked');
    assert.equal(containsCanary(listed.text), undefined);
    const keyRef = keyFingerprint(parkedGroup, CANARY.mrn);
    assert.deepEqual(listed.body.keys.filter((k) => k.group === parkedGroup).map((k) => k.keyRef), [keyRef]);
    assert.equal((await post(`/api/parked/${parkedGroup}/0000000000000000/release`)).status, 404);
    const released = await post<{ released: number }>(`/api/parked/${parkedGroup}/${keyRef}/release`);
    assert.equal(released.status, 200, released.text);
    assert.equal(released.body.released, 1);
    assert.deepEqual(await listParkedKeys(db, parkedGroup), []);
    const last = (await audit()).at(-1);
    assert.equal(last?.target, `group ${parkedGroup} key ${keyRef}`);
    assert.equal(containsCanary(JSON.stringify(await audit())), undefined);
  });

  it('lists AI decisions critical alerts first, with ids, kinds, severity and rule only', async () => {
    const now = Date.now();
    const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
    const base = { patient_id: CANARY.mrn, explanation: `potassium of ${CANARY.name}` };
    await recordAiOutputs(db, 'ai-critical-value-alert', { event_id: `${run}-e1`, patient_id: CANARY.mrn }, [
      { output_id: `${run}-crit`, rule_id: 'critical:potassium', at: at(30), record: { ...base, severity: 'critical' } },
      { output_id: `${run}-note`, rule_id: 'note:suppressed-repeat', at: at(1), record: { ...base, note: 'suppressed-repeat' } },
    ]);
    await recordAiOutputs(db, 'ai-result-interpretation', { event_id: `${run}-e2`, patient_id: CANARY.mrn }, [
      { output_id: `${run}-interp`, rule_id: 'kdigo-aki', at: at(2), record: { ...base, findings: [{ severity: 'attention' }, { severity: 'urgent' }] } },
    ]);
    const res = await get<{ decisions: { outputId: string; kind: string; severity: string | null; critical: boolean; ruleId: string }[] }>('/api/decisions');
    assert.equal(containsCanary(res.text), undefined);
    const mine = res.body.decisions.filter((d) => d.outputId.startsWith(run));
    assert.deepEqual(
      mine.map((d) => [d.outputId, d.kind, d.severity, d.critical]),
      [
        [`${run}-crit`, 'alert', 'critical', true],
        [`${run}-note`, 'note', null, false],
        [`${run}-interp`, 'interpretation', 'urgent', false],
      ],
    );
  });

  it('reports consumer groups with lag and throughput', async () => {
    await lagMonitor.sample();
    const res = await get<{ groups: { group: string; status: string; lag: number; throughput: { processed: number } | null }[] }>('/api/groups');
    const timeline = res.body.groups.find((g) => g.group === 'patient-timeline');
    assert.ok(timeline);
    assert.equal(timeline.throughput?.processed, 42);
    assert.ok(['OK', 'WARN', 'STALL', 'STOP'].includes(timeline.status));
    // The replayed record (and nothing else) waits on lab-results for the timeline group.
    assert.ok(timeline.lag >= 1);
  });
});
