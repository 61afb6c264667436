import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeEvent } from '../../src/event/codec.ts';
import { CANARY, containsCanary, event } from '../support/canary.ts';
import { runCli, startCli, waitForLine } from '../support/cli.ts';
import { potassium } from '../gateway/fhir/fixtures.ts';
import { readRecords, uniqueSuffix, waitFor } from '../support/kafka.ts';

const HOUR = 3_600_000;
const tmp = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('vigil CLI without a broker', () => {
  it('prints the topology as JSON with the seed partitions and retention', async () => {
    const res = await runCli(['topology', '--json']);
    assert.equal(res.code, 0);
    const topics = (JSON.parse(res.stdout) as { topics: { name: string; partitions: number; key: string; retentionMs: number; consumers: string[] }[] }).topics;
    const seed = ['hl7-adt-events', 'clinical-orders', 'lab-results', 'discharge-events', 'ai-events-dlq'].map((n) => topics.find((t) => t.name === n));
    assert.deepEqual(seed.map((t) => t?.partitions), [12, 24, 12, 6, 1]);
    assert.deepEqual(seed.map((t) => (t?.retentionMs ?? 0) / HOUR), [168, 48, 72, 24, 720]);
    assert.deepEqual(Object.keys(topics[0] ?? {}).slice(0, 5), ['name', 'role', 'partitions', 'key', 'retentionMs']);
    assert.ok(topics.every((t) => Array.isArray(t.consumers)));
  });

  it('prints the topology as a table, help, and refuses unknown commands', async () => {
    const table = await runCli(['topology']);
    assert.match(table.stdout, /^hl7-adt-events\s+input\s+12\s+patient_id\s+168 h\s+ai-risk-assessment/m);
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /kafka start\|stop\|status/);
    const kafkaHelp = await runCli(['kafka', '--help']);
    assert.match(kafkaHelp.stdout, /Usage: \.\/vigil kafka/);
    const unknown = await runCli(['frobnicate']);
    assert.equal(unknown.code, 64);
    assert.match(unknown.stderr, /unknown command: frobnicate/);
  });

  it('refuses a file with invalid events, naming line, field and rule but no value, and sends nothing', async () => {
    const file = join(tmp, 'bad.ndjson');
    writeFileSync(file, [JSON.stringify(event({ event_id: 'ok-1' })), JSON.stringify(event({ event_timestamp: CANARY.dob })), `{"event_id": "${CANARY.mrn}"`].join('\n'));
    // No broker is reachable here: validation must fail before any connection is tried.
    const res = await runCli(['produce', file], { KAFKA_BROKERS: '127.0.0.1:1' });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /line 2: event_timestamp must be an ISO 8601 date-time/);
    assert.match(res.stderr, /line 3: must be a JSON object/);
    assert.match(res.stderr, /nothing was sent/);
    assert.equal(containsCanary(res.stderr + res.stdout), undefined);
  });

  it('reports a bad config clearly', async () => {
    const res = await runCli(['topology'], { KAFKA_BROKERS: 'not a broker list' });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /KAFKA_BROKERS: each broker must be host:port/);
  });

  it('starts no local broker when a cluster is configured', async () => {
    const home = join(tmp, 'configured-home');
    const res = await runCli(['kafka', 'start'], { KAFKA_BROKERS: '127.0.0.1:1', VIGIL_HOME: home });
    assert.equal(res.code, 0);
    assert.match(res.stdout, /a cluster is configured/);
    assert.equal(existsSync(join(home, 'kafka')), false);
  });
});

describe('vigil CLI with the test broker', () => {
  // These commands use the real topic names; they run in sequence in this one file.
  const env = { VIGIL_HOME: join(tmp, 'home') };

  it('provisions, then produces a file whose events land on their topics', async () => {
    const first = await runCli(['provision'], env);
    assert.ok(first.code === 0, first.stderr);
    const second = await runCli(['provision'], env);
    assert.equal(second.code, 0);
    // Over SASL the ACLs are provisioned too; their line says `0 created` on a second run.
    assert.doesNotMatch(second.stdout.replace(/ACLs: \d+ in the topology, 0 created/, ''), /created|corrected|differ/);

    const run = uniqueSuffix();
    const events = [event({ event_id: `cli-${run}-1` }), event({ event_id: `cli-${run}-2`, event_type: 'lab_result' })];
    const file = join(tmp, 'good.json');
    writeFileSync(file, JSON.stringify(events));
    const res = await runCli(['produce', file], env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /sent 2 events as 2 records/);
    const ndjson = await runCli(['produce', '-'], env, `${JSON.stringify(event({ event_id: `cli-${run}-3`, event_type: 'lab_result' }))}\n`);
    assert.equal(ndjson.code, 0, ndjson.stderr);

    const records = await readRecords(['hl7-adt-events', 'lab-results'], 1_000, 3_000);
    const ids = records.map((r) => decodeEvent(r.value, r.headers).event.event_id).filter((id) => id.startsWith(`cli-${run}`));
    assert.deepEqual(ids.sort(), [`cli-${run}-1`, `cli-${run}-2`, `cli-${run}-3`]);
  });

  it('runs the main job: intake answers 202, FHIR takes an Observation, the MLLP gateway takes a canary hospital, no PHI in its output, Ctrl-C stops it', async (t) => {
    const job = startCli(['start'], { ...env, VIGIL_HTTP_PORT: '0', VIGIL_MLLP_PORT: '0', VIGIL_SIMULATE_RATE: '0', VIGIL_LOG_LEVEL: 'info' });
    // A failed assertion must not leave the job running (and the test runner waiting for it).
    t.after(() => {
      if (job.exitCode === null) job.kill('SIGKILL');
    });
    let output = '';
    job.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    job.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    const [, url, mllpPort] = (await waitForLine(job, /HTTP intake: POST (\S+)\n.*\nHL7 v2 \(MLLP\): 127\.0\.0\.1:(\d+)/)) as unknown as [string, string, string];
    const id = `main-${uniqueSuffix()}`;
    // Senders need an ingest token: without one the intake answers 401 and says nothing more.
    const refused = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event({ event_id: id })) });
    assert.equal(refused.status, 401);
    assert.equal(containsCanary(await refused.text()), undefined);
    const created = await runCli(['token', 'create', '--name', `feed-${id}`, '--role', 'ingest'], env);
    assert.equal(created.code, 0, created.stderr);
    const ingest = { authorization: `Bearer ${created.stdout.trim()}` };
    const res = await fetch(url, { method: 'POST', headers: { ...ingest, 'content-type': 'application/json' }, body: JSON.stringify(event({ event_id: id })) });
    assert.equal(res.status, 202);
    const fhir = await fetch(url.replace(/\/events$/, '/fhir/Observation'), { method: 'POST', headers: { ...ingest, 'content-type': 'application/fhir+json' }, body: JSON.stringify(potassium()) });
    assert.equal(fhir.status, 202);
    assert.equal(((await fhir.json()) as { resourceType: string }).resourceType, 'OperationOutcome');

    // A modest volume: the embedded store serves the gateway and every worker on one event loop.
    const sim = await runCli(['simulate', '--canary', '--rate', '20', '--duration', '2s', '--seed', uniqueSuffix(), '--port', mllpPort], env);
    assert.equal(sim.code, 0, sim.stderr);
    const [, generated, accepted] = sim.stdout.match(/simulated (\d+) messages .*: (\d+) accepted/) ?? [];
    assert.ok(Number(generated) > 20, sim.stdout);
    assert.equal(accepted, generated, 'every message acknowledged AA');
    assert.match(sim.stderr, /generated, AA \d+/);

    // Prometheus metrics on the same server: each worker's runtime figures and every group's lag.
    let metrics = '';
    await waitFor('the lag monitor to sample every group', async () => {
      metrics = await (await fetch(url.replace(/\/events$/, '/metrics'))).text();
      return /^kafka_consumer_group_lag\{group="ai-risk-assessment"/m.test(metrics);
    });
    for (const group of ['patient-timeline', 'ai-critical-value-alert', 'ai-result-interpretation', 'ai-drug-interaction-check']) assert.match(metrics, new RegExp(`^vigil_records_processed_total\\{group="${group}"\\} \\d+$`, 'm'));
    assert.match(metrics, /^kafka_consumer_group_lag\{group="ai-risk-assessment",topic="hl7-adt-events",partition="0"\} \d+$/m);
    assert.match(metrics, /^vigil_consumer_group_status\{group="ai-risk-assessment",status="STOP"\} [01]$/m);
    assert.match(metrics, /^vigil_dlq_open_entries \d+$/m);
    // The dashboard on the same server, announced at start-up.
    assert.match(output, /^dashboard: http:\/\/127\.0\.0\.1:\d+\/$/m);
    assert.match(output, /first run: sign in as admin with http:\/\/127\.0\.0\.1:\d+\/#token=vgl_/);

    const exited = new Promise<number | null>((resolve) => job.once('exit', resolve));
    job.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.match(output, /HL7 message accepted/);
    assert.equal(containsCanary(output + sim.stdout + sim.stderr), undefined, 'no PHI in logs or console output');
    const records = await readRecords(['hl7-adt-events'], 100_000, 3_000);
    const mine = records.find((r) => r.headers.ce_id === id);
    assert.ok(mine);
    // Encryption is on by default: the payload is sealed, no canary value in the record.
    assert.equal(mine.headers.vigil_enc_alg, 'AES-256-GCM');
    assert.equal(containsCanary(mine.value.toString()), undefined);
  });
});
