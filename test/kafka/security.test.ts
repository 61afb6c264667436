// Transport security and ACLs against a real SASL_SSL broker of the test's own: TLS from a CA
// made here, SCRAM-SHA-512 users, StandardAuthorizer with nothing allowed unless granted.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Admin, Consumer, FetchIsolationLevels, type Message, MessagesStreamModes } from '@platformatic/kafka';
import { startMainJob } from '../../src/app/main-job.ts';
import { loadConfig } from '../../src/config.ts';
import { validateEvent } from '../../src/event/envelope.ts';
import { SYSTEM } from '../../src/event/payloads.ts';
import { KafkaAccessError, type KafkaConnection, kafkaClientOptions, verifyKafkaAccess } from '../../src/kafka/connection.ts';
import { EventProducer } from '../../src/kafka/event-producer.ts';
import { type BrokerState, brokerAnswers, brokerConnection, startLocalBroker, stopLocalBroker } from '../../src/kafka/local-broker.ts';
import { secureConnection } from '../../src/kafka/local-broker-security.ts';
import { WorkerRuntime } from '../../src/runtime/engine.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import { type Topology, defaultTopology } from '../../src/topology/topology.ts';
import { event } from '../support/canary.ts';
import { runCli, ROOT } from '../support/cli.ts';
import { uniqueSuffix } from '../support/kafka.ts';

const ALERT_GROUP = 'ai-critical-value-alert';
const USERS = { [ALERT_GROUP]: 'alert-Secret-1', 'vigil-gateway': 'gateway-Secret-2' };
const meta = { source: 'urn:vigil:test', receivedTime: new Date().toISOString() };

describe('Kafka over SASL_SSL with ACLs from the topology', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-secure-kafka-'));
  let broker: BrokerState;
  let admin: KafkaConnection;
  let db: Database;
  const runtimes: WorkerRuntime[] = [];

  before(async () => {
    broker = await startLocalBroker({ root: ROOT, dir, libDir: join(ROOT, '.vigil', 'kafka'), port: 0, controllerPort: 0, secure: { users: USERS } });
    admin = brokerConnection(broker);
    db = await openDatabase({});
  });
  after(async () => {
    for (const r of runtimes) await r.stop().catch(() => {});
    await db?.close();
    await stopLocalBroker(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  function as(username: string, password: string): KafkaConnection {
    return secureConnection(broker.bootstrap, broker.secure!, { username, password });
  }

  function cliEnv(passwordEnv: Record<string, string>): Record<string, string> {
    return {
      KAFKA_BROKERS: broker.bootstrap,
      VIGIL_HOME: join(dir, 'home'),
      VIGIL_KAFKA_SECURITY: 'SASL_SSL',
      VIGIL_KAFKA_SASL_USERNAME: 'admin',
      VIGIL_KAFKA_CA_FILE: broker.secure!.caFile,
      VIGIL_KAFKA_SASL_PASSWORD: '',
      VIGIL_KAFKA_SASL_PASSWORD_FILE: '',
      ...passwordEnv,
    };
  }

  async function read(conn: KafkaConnection, topic: string, count: number): Promise<Message[]> {
    const consumer = new Consumer({ clientId: 'vigil-test-reader', groupId: `vigil-test-reader-${uniqueSuffix()}`, ...kafkaClientOptions(conn), isolationLevel: FetchIsolationLevels.READ_COMMITTED, maxWaitTime: 200 });
    const out: Message[] = [];
    try {
      const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
      await new Promise<void>((done, fail) => {
        let timer = setTimeout(done, 10_000);
        stream.on('data', (m: Message) => {
          out.push(m);
          clearTimeout(timer);
          if (out.length >= count) done();
          else timer = setTimeout(done, 10_000);
        });
        stream.on('error', fail);
      });
      await stream.close();
    } finally {
      await consumer.close(true);
    }
    return out;
  }

  it('provisions topics and the topology ACLs over SASL_SSL, idempotently, as the admin', async () => {
    const env = cliEnv({ VIGIL_KAFKA_SASL_PASSWORD_FILE: broker.secure!.adminPasswordFile });
    const first = await runCli(['provision'], env);
    assert.equal(first.code, 0, first.stderr);
    const rules = JSON.parse((await runCli(['topology', '--json'], env)).stdout).acls as unknown[];
    assert.ok(rules.length > 0);
    assert.match(first.stdout, new RegExp(`ACLs: ${rules.length} in the topology, ${rules.length} created, 0 already present`));
    const again = await runCli(['provision'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`ACLs: ${rules.length} in the topology, 0 created, ${rules.length} already present`));
  });

  it('lets a client with the right password produce and consume over TLS', async () => {
    const producer = new EventProducer({ ...admin, clientId: 'vigil-test', topology: defaultTopology, ackTimeoutMs: 30_000 });
    try {
      assert.equal(await producer.send([validateEvent(event({ event_id: 'tls-1', event_type: 'admission' }))], meta), 1);
    } finally {
      await producer.close();
    }
    const got = await read(admin, 'hl7-adt-events', 1);
    assert.deepEqual(got.map((m) => JSON.parse(m.value.toString()).event_id), ['tls-1']);
  });

  it('refuses a wrong password at once with an error naming the listener and mechanism', async () => {
    const conn = as('admin', 'not-the-password');
    assert.equal(await brokerAnswers(conn, 5_000), false);
    await assert.rejects(verifyKafkaAccess(conn, 'vigil-test'), (err: unknown) => {
      assert.ok(err instanceof KafkaAccessError, String(err));
      assert.equal(err.reason, 'SASL_AUTHENTICATION_FAILED');
      assert.match(err.message, /SASL_SSL as admin with SCRAM-SHA-512/);
      return true;
    });

    const cli = await runCli(['provision'], cliEnv({ VIGIL_KAFKA_SASL_PASSWORD: 'wrong-Password-9' }));
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /Kafka refused SASL authentication \(SASL_SSL as admin with SCRAM-SHA-512/);
    assert.doesNotMatch(`${cli.stdout}${cli.stderr}`, /wrong-Password-9/);
  });

  it('refuses a client that does not trust the broker CA', async () => {
    const conn = as('admin', 'irrelevant');
    delete conn.security!.caFile;
    await assert.rejects(verifyKafkaAccess(conn, 'vigil-test'), (err: unknown) => {
      assert.ok(err instanceof KafkaAccessError, String(err));
      assert.match(err.message, /TLS to Kafka failed .* certificate is not trusted/);
      return true;
    });
  });

  it("lets a consumer group's principal read its input and write its output, and nothing else", async () => {
    const gateway = new EventProducer({ ...as('vigil-gateway', USERS['vigil-gateway']), clientId: 'vigil-test-gateway', topology: defaultTopology, ackTimeoutMs: 30_000 });
    try {
      assert.equal(await gateway.send([validateEvent(event({ event_id: 'acl-lab-1', event_type: 'lab_result' }))], meta), 1);
    } finally {
      await gateway.close();
    }
    const alertUser = as(ALERT_GROUP, USERS[ALERT_GROUP]);
    const worker = (topics: string[]) => {
      const runtime = new WorkerRuntime(
        {
          group: ALERT_GROUP,
          topics,
          processor: (e) => ({ outputs: [{ topic: 'ai-critical-alerts', key: e.patient_id, value: { source: e.event_id } }], writes: [] }),
        },
        { ...alertUser, clientId: 'vigil-test', instanceId: uniqueSuffix(), deadLetterTopic: 'ai-events-dlq', db },
      );
      runtimes.push(runtime);
      return runtime;
    };
    await worker(['lab-results']).start();
    const alerts = await read(admin, 'ai-critical-alerts', 1);
    assert.deepEqual(alerts.map((m) => JSON.parse(m.value.toString()).source), ['acl-lab-1']);

    // Orders were never granted to the critical-value group.
    await assert.rejects(worker(['clinical-orders']).start(), (err: unknown) => {
      assert.ok(err instanceof KafkaAccessError, String(err));
      assert.equal(err.reason, 'TOPIC_AUTHORIZATION_FAILED');
      assert.match(err.message, /denied User:ai-critical-value-alert access to a topic/);
      return true;
    });
  });
  /** The main job as `./vigil start` runs it, as the admin, with `kafka` added to its config file. */
  async function mainJob(kafka: Record<string, unknown>, env: Record<string, string>, topology?: Topology) {
    const file = join(dir, `vigil-${uniqueSuffix()}.json`);
    writeFileSync(file, JSON.stringify({ kafka }));
    const config = loadConfig({
      ...cliEnv({ VIGIL_KAFKA_SASL_PASSWORD_FILE: broker.secure!.adminPasswordFile }),
      VIGIL_CONFIG: file,
      VIGIL_HTTP_PORT: '0',
      VIGIL_MLLP_PORT: '0',
      VIGIL_SIMULATE_RATE: '0',
      ...env,
    });
    return startMainJob(topology ? { ...config, topology } : config, () => {});
  }

  it('runs a main job worker as its own principal (kafka.groupCredentials): a wrong password stops the start naming that user', async () => {
    // The group's members of the test before leave, so that the job's worker gets every partition.
    for (const r of runtimes.splice(0)) await r.stop().catch(() => {});
    const own = { groupCredentials: { [ALERT_GROUP]: { passwordEnv: 'ALERT_KAFKA_PASSWORD' } } };
    await assert.rejects(mainJob(own, { ALERT_KAFKA_PASSWORD: 'not-the-Password-7' }), (err: unknown) => {
      assert.ok(err instanceof KafkaAccessError, String(err));
      assert.equal(err.reason, 'SASL_AUTHENTICATION_FAILED');
      assert.match(err.message, /SASL_SSL as ai-critical-value-alert with SCRAM-SHA-512/);
      assert.doesNotMatch(err.message, /not-the-Password-7/);
      return true;
    });

    const passwordFile = join(dir, 'alert.password');
    writeFileSync(passwordFile, `${USERS[ALERT_GROUP]}\n`, { mode: 0o600 });
    const job = await mainJob({ groupCredentials: { [ALERT_GROUP]: { passwordFile } } }, {});
    try {
      const id = `own-principal-${uniqueSuffix()}`;
      const potassium = { code: { system: SYSTEM.loinc, code: '2823-3' }, value: 6.9, valueType: 'NM', units: 'mmol/L', abnormalFlags: [], status: 'F', observedAt: '2026-11-26T09:00:00Z' };
      const gateway = new EventProducer({ ...as('vigil-gateway', USERS['vigil-gateway']), clientId: 'vigil-test-gateway', topology: defaultTopology, ackTimeoutMs: 30_000 });
      try {
        const lab = event({ event_id: id, event_type: 'lab_result', patient_id: `P-${id}`, payload: { patient: { identifiers: [{ value: 'X', type: 'MR' }] }, source: { format: 'json' }, observations: [potassium] } });
        assert.equal(await gateway.send([validateEvent(lab)], meta), 1);
      } finally {
        await gateway.close();
      }
      // The job's critical-value worker, connected as User:ai-critical-value-alert, pages on it.
      const paged = async () => (await read(admin, 'ai-critical-alerts', 1_000)).filter((m) => (JSON.parse(m.value.toString()) as { source_event_id?: string }).source_event_id === id);
      const deadline = Date.now() + 120_000;
      let alerts = await paged();
      while (alerts.length === 0 && Date.now() < deadline) alerts = await paged();
      assert.equal(alerts.length, 1);
    } finally {
      await job.stop();
    }
  });

  it("refuses a main job worker's own principal a topic the topology's ACLs did not grant it", async () => {
    // The same group made to read clinical-orders too, without provisioning the ACLs again.
    const widened: Topology = { topics: defaultTopology.topics.map((t) => (t.name === 'clinical-orders' ? { ...t, consumers: [...t.consumers, ALERT_GROUP] } : t)) };
    const own = { groupCredentials: { [ALERT_GROUP]: { passwordEnv: 'ALERT_KAFKA_PASSWORD' } } };
    await assert.rejects(mainJob(own, { ALERT_KAFKA_PASSWORD: USERS[ALERT_GROUP] }, widened), (err: unknown) => {
      assert.ok(err instanceof KafkaAccessError, String(err));
      assert.equal(err.reason, 'TOPIC_AUTHORIZATION_FAILED');
      assert.match(err.message, /denied User:ai-critical-value-alert access to a topic .* while joining group ai-critical-value-alert on .*clinical-orders/);
      return true;
    });
  });

  it('fails a worker whose commit rounds the ACLs refuse after three rounds, committing nothing past the record', async () => {
    for (const r of runtimes.splice(0)) await r.stop().catch(() => {});
    const committed = async () => {
      const client = new Admin({ clientId: 'vigil-test-offsets', ...kafkaClientOptions(admin) });
      try {
        const [group] = await client.listConsumerGroupOffsets({ groups: [ALERT_GROUP] });
        return (group?.topics.find((t) => t.name === 'lab-results')?.partitions ?? []).map((p) => `${p.partitionIndex}:${p.committedOffset}`).sort();
      } finally {
        await client.close();
      }
    };
    const gateway = new EventProducer({ ...as('vigil-gateway', USERS['vigil-gateway']), clientId: 'vigil-test-gateway', topology: defaultTopology, ackTimeoutMs: 30_000 });
    try {
      assert.equal(await gateway.send([validateEvent(event({ event_id: `acl-refused-${uniqueSuffix()}`, event_type: 'lab_result' }))], meta), 1);
    } finally {
      await gateway.close();
    }
    const before = await committed();
    // The group may write its alerts, not the gateway's input topics.
    const runtime = new WorkerRuntime(
      {
        group: ALERT_GROUP,
        topics: ['lab-results'],
        policies: { commitTimeoutMs: 20_000 },
        processor: (e) => ({ outputs: [{ topic: 'clinical-orders', key: e.patient_id, value: { source: e.event_id } }] }),
      },
      { ...as(ALERT_GROUP, USERS[ALERT_GROUP]), clientId: 'vigil-test', instanceId: uniqueSuffix(), deadLetterTopic: 'ai-events-dlq', db },
    );
    runtimes.push(runtime);
    const failed = Promise.withResolvers<Error>();
    runtime.onFailure(failed.resolve);
    await runtime.start();
    const err = await failed.promise;
    assert.match(err.message, /^commits failed 3 times in a row \(.*TOPIC_AUTHORIZATION_FAILED.*\)$/);
    assert.equal(runtime.stats().transactions, 0);
    assert.deepEqual(await committed(), before, 'the refused record stays uncommitted, to be read again');
  });
});
