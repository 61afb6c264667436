// Invariant 8 over the whole main job: canary patients (names, MRNs, dates of birth, free text)
// go in through every door of the real `./vigil start` (HL7 v2 over MLLP from the simulator in
// canary mode and the CANARY patient's own lab result, JSON events, FHIR resources), one of them
// a poison order a worker dead-letters, and the job processes everything. Then every place PHI
// could leak to is searched for a plaintext canary: the job's log output (stdout and stderr, at
// debug level), the /metrics body, the DLQ records (values and headers), the answers to
// unauthenticated requests on every route, and the broker's own segment files. The canaries must
// be found where they belong (the bytes the test sent; the investigator's audited, decrypted
// payload view), or the search would prove nothing.
//
// The job runs in a child process (its logs are its output) against a broker of this file's own,
// so that every file under the broker's folder belongs to this run.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLocalBroker, stopLocalBroker } from '../../src/kafka/local-broker.ts';
import { runSimulation } from '../../src/simulator/run.ts';
import { auditTopic, deadLetterTopic, defaultTopology } from '../../src/topology/topology.ts';
import { ROUTE_ROLES, TokenStore, apiTokenFile } from '../../src/web/auth.ts';
import { patient, potassium } from '../gateway/fhir/fixtures.ts';
import { fixture, setField } from '../gateway/hl7/fixtures.ts';
import { MllpTestClient } from '../gateway/mllp/client.ts';
import { CANARY, CANARY_MARK, containsCanary, event, filesUnder, filesWithCanary } from '../support/canary.ts';
import { ROOT, startCli, waitForLine } from '../support/cli.ts';
import { committedCount, endOffsetTotal, readRecords, uniqueSuffix, waitFor } from '../support/kafka.ts';

const run = uniqueSuffix();
const dir = mkdtempSync(join(tmpdir(), 'vigil-main-canary-'));
const home = join(dir, 'home');
const brokerOpts = { root: ROOT, dir: join(dir, 'kafka'), libDir: join(ROOT, '.vigil', 'kafka'), port: 0, controllerPort: 0 };
const topology = defaultTopology;
const dlqTopic = deadLetterTopic(topology).name;
/** Every record on a topic: read until none came for a while. */
const everyRecord = (topic: string) => readRecords([topic], Number.POSITIVE_INFINITY, 3_000);
const needles = [CANARY_MARK, ...Object.values(CANARY)].map((c) => Buffer.from(c));

// Canary events over JSON: an admission carrying every CANARY value, and a poison: a medication
// order without an order (the drug-interaction check refuses it, so it is dead-lettered, sealed).
const admission = event({ event_id: `canary-${run}-admit`, patient_id: `P-${run}-1`, encounter_id: `E-${run}-1` });
const poison = event({ event_id: `canary-${run}-poison`, event_type: 'medication_order', patient_id: `P-${run}-1`, encounter_id: `E-${run}-1` });

/** A pass-through in front of the job's MLLP port that keeps every byte sent to it. */
async function recordingRelay(target: { host: string; port: number }): Promise<{ port: number; inbound: Buffer[]; close(): void }> {
  const inbound: Buffer[] = [];
  const server = createServer((client) => {
    const upstream = createConnection(target);
    client.on('data', (d: Buffer) => inbound.push(d));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, inbound, close: () => server.close() };
}

describe('canary patients through the whole main job: no plaintext PHI anywhere', () => {
  let job: ChildProcess | undefined;
  let output = '';
  let baseUrl = '';
  let mllp = { host: '', port: 0 };
  const tokens = new TokenStore(apiTokenFile(home));
  const ingest = tokens.create('feed', 'ingest');
  const investigator = tokens.create('ivan', 'investigator');
  /** Where a plaintext canary turned up: `<sink>: <canary>`. Asserted empty at the end. */
  const leaks: string[] = [];
  const search = (sink: string, text: string) => {
    const found = containsCanary(text);
    if (found) leaks.push(`${sink}: ${found}`);
  };

  before(async () => {
    const broker = await startLocalBroker(brokerOpts);
    // The test/support helpers (readers, offsets) read these: this file's own broker, plain.
    process.env.KAFKA_BROKERS = broker.bootstrap;
    process.env.VIGIL_KAFKA_SECURITY = 'PLAINTEXT';
    job = startCli(['start'], {
      VIGIL_HOME: home,
      KAFKA_BROKERS: broker.bootstrap,
      VIGIL_KAFKA_SECURITY: 'PLAINTEXT',
      VIGIL_HTTP_PORT: '0',
      VIGIL_MLLP_PORT: '0',
      // The test plays the hospital itself (in canary mode), through a relay that records it.
      VIGIL_SIMULATE_RATE: '0',
      VIGIL_LAG_INTERVAL_MS: '1000',
      // The most the job ever logs.
      VIGIL_LOG_LEVEL: 'debug',
    });
    job.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    job.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const [dashboard, hl7] = await Promise.all([waitForLine(job, /dashboard: (http:\/\/\S+)\/\n/), waitForLine(job, /HL7 v2 \(MLLP\): (\S+):(\d+)\n/)]);
    baseUrl = dashboard[1] as string;
    mllp = { host: hl7[1] as string, port: Number(hl7[2]) };
  });

  after(async () => {
    if (job && job.exitCode === null) {
      job.kill('SIGINT');
      await once(job, 'exit');
    }
    await stopLocalBroker(brokerOpts.dir);
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (method: 'GET' | 'POST', path: string, token?: string, body?: unknown) =>
    fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('takes canary patients in over MLLP, JSON and FHIR (and they really carry the canaries)', async () => {
    const relay = await recordingRelay(mllp);
    try {
      const sim = await runSimulation({ host: '127.0.0.1', port: relay.port, rate: Number.POSITIVE_INFINITY, durationMs: Number.POSITIVE_INFINITY, maxMessages: 150, seed: 7731, canary: true, connections: 2 });
      assert.ok(sim.acks.AA >= 100, `only ${sim.acks.AA} HL7 messages accepted`);
      // The CANARY patient over HL7: a lab result with their name, MRN and a free-text note, and
      // the same with CANARY.dob as birth date, which the gateway refuses naming field and rule.
      const client = await MllpTestClient.connect(relay.port);
      const lab = setField(setField(fixture('lab-oru-r01-v23.hl7'), 'MSH', 10, `canary-${run}-lab`), 'NTE', 3, CANARY.note);
      await client.send(lab);
      await client.send(setField(setField(lab, 'MSH', 10, `canary-${run}-dob`), 'PID', 7, CANARY.dob));
      const [labAck = '', dobAck = ''] = await client.take(2);
      client.end();
      assert.match(labAck, /MSA\|AA\|/);
      assert.match(dobAck, /MSA\|A[ER]\|/);
      search('the HL7 refusal', dobAck);
    } finally {
      relay.close();
    }
    const inbound = Buffer.concat(relay.inbound);
    for (const value of [CANARY_MARK, ...Object.values(CANARY)]) assert.ok(inbound.includes(value), `the HL7 bytes sent carry ${value}`);

    const events = [admission, poison];
    for (const value of Object.values(CANARY)) assert.ok(JSON.stringify(events).includes(value), `the JSON events carry ${value}`);
    const posted = await call('POST', '/events', ingest, events);
    assert.equal(posted.status, 202, await posted.text());
    for (const resource of [patient(), potassium()]) {
      const res = await call('POST', `/fhir/${resource.resourceType}`, ingest, resource);
      assert.equal(res.status, 202, await res.text());
    }
  });

  it('processes every record to the end, dead-lettering the poison', async () => {
    const inputs = topology.topics.filter((t) => t.role === 'input');
    await waitFor('every consumer group to finish its input topics', async () => {
      for (const topic of inputs) {
        const end = await endOffsetTotal(topic.name);
        for (const group of topic.consumers) if ((await committedCount(group, topic.name)) !== end) return false;
      }
      return true;
    }, 240_000);
    const dead = await everyRecord(dlqTopic);
    assert.ok(dead.some((r) => r.headers.ce_id === poison.event_id && r.headers.vigil_dlq_group === 'ai-drug-interaction-check'), 'the poison order is in the DLQ');
    const outputs = await readRecords(topology.topics.filter((t) => t.role === 'output').map((t) => t.name), 1);
    assert.ok(outputs.length > 0, 'the AI workers wrote outputs');
  });

  it("shows an investigator the poison's payload decrypted (audited): the canaries are in the job", async () => {
    let ref: string | undefined;
    await waitFor('the dashboard to list the poison', async () => {
      const listed = (await (await call('GET', '/api/dlq', investigator)).json()) as { entries: { ref: string; eventId: string | null }[] };
      ref = listed.entries.find((e) => e.eventId === poison.event_id)?.ref;
      return ref !== undefined;
    });
    const res = await call('POST', `/api/dlq/${ref}/payload`, investigator, { reason: 'INC-8: order without an order' });
    assert.equal(res.status, 200);
    const viewed = (await res.json()) as { payload: { decrypted?: boolean; value: { payload: Record<string, unknown> } } };
    assert.equal(viewed.payload.decrypted, true);
    assert.deepEqual(viewed.payload.value.payload, poison.payload);
    await waitFor('the view on the audit topic', async () => (await readRecords([auditTopic(topology).name], 1, 2_000)).some((r) => r.value.toString().includes('dlq.view-payload')));
  });

  it('finds no plaintext canary in logs, /metrics, DLQ records, unauthenticated answers or broker files', async () => {
    const metrics = await call('GET', '/metrics');
    assert.equal(metrics.status, 200);
    const metricsBody = await metrics.text();
    assert.match(metricsBody, /vigil_records_processed_total/);
    search('/metrics', metricsBody);

    const dead = await everyRecord(dlqTopic);
    assert.ok(dead.length > 0);
    for (const r of dead) search(`DLQ record ${r.offset}`, `${r.key}\n${r.value.toString()}\n${JSON.stringify(r.headers)}`);

    // Every route of the table, without a token, with real-looking parameters.
    const params: Record<string, string> = { ref: '0', group: 'ai-drug-interaction-check', keyRef: '0000000000000000', patientId: admission.patient_id as string, resourceType: 'Patient' };
    for (const route of Object.keys(ROUTE_ROLES)) {
      const [method, pattern] = route.split(' ') as ['GET' | 'POST', string];
      const path = pattern.replace(/:(\w+)/g, (_m, name: string) => params[name] ?? name);
      const res = await call(method, path, undefined, method === 'POST' ? { reason: 'no token' } : undefined);
      assert.equal(res.status, ROUTE_ROLES[route] === 'public' ? 200 : 401, route);
      search(`${route} without a token`, `${JSON.stringify([...res.headers])}\n${await res.text()}`);
    }

    // The job stops (its logs end), then the broker (its segments are flushed).
    const running = job as ChildProcess;
    running.kill('SIGINT');
    const [code] = (await once(running, 'exit')) as [number | null];
    assert.equal(code, 0, output);
    assert.match(output, /"msg":"main job started"/, 'the job logged');
    search('job log output', output);

    await stopLocalBroker(brokerOpts.dir);
    assert.ok(filesUnder(brokerOpts.dir).some((f) => f.endsWith('.log')), 'the broker wrote log segments');
    for (const file of filesWithCanary(brokerOpts.dir, needles)) leaks.push(`broker file ${file}`);

    assert.deepEqual(leaks, []);
  });
});
