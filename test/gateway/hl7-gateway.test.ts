// HL7 v2 over MLLP into Kafka, end to end (invariants 6 and 7): a broker of the test's own, so it
// can be stopped and started again; the gateway's store on disk, so it can be restarted.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Admin, Consumer, FetchIsolationLevels, MessagesStreamModes, type Message } from '@platformatic/kafka';
import { decodeEvent } from '../../src/event/codec.ts';
import type { AdtPayload } from '../../src/event/payloads.ts';
import { createHl7Intake } from '../../src/gateway/hl7-intake.ts';
import { MllpServer } from '../../src/gateway/mllp/server.ts';
import { EventProducer } from '../../src/kafka/event-producer.ts';
import { startLocalBroker, stopLocalBroker } from '../../src/kafka/local-broker.ts';
import { createPseudonymizer } from '../../src/phi/pseudonym.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import { provision } from '../../src/topology/provision.ts';
import { containsCanary } from '../support/canary.ts';
import { isolatedTopology, topicOf, uniqueSuffix } from '../support/kafka.ts';
import { fixture, setField, withoutSegments } from './hl7/fixtures.ts';
import { MllpTestClient } from './mllp/client.ts';
import { adtMessage, parseAck } from './mllp/messages.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const keys = createPseudonymizer(Buffer.alloc(32, 7));

describe('HL7 v2 gateway: MLLP to Kafka', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-gw-'));
  const brokerOpts = { root: ROOT, dir: join(dir, 'kafka'), libDir: join(ROOT, '.vigil', 'kafka'), port: 0, controllerPort: 0 };
  const topology = isolatedTopology(uniqueSuffix());
  let bootstrap: string[];
  let db: Database;
  let producer: EventProducer;
  let server: MllpServer;
  let port: number;

  async function startGateway(): Promise<void> {
    db = await openDatabase({ dataDir: join(dir, 'store') });
    producer = new EventProducer({ bootstrap, clientId: 'vigil-test-gw', topology, ackTimeoutMs: 1_500 });
    server = new MllpServer({ handler: createHl7Intake({ producer, db, mapper: keys }).handler });
    port = await server.listen();
  }
  async function stopGateway(): Promise<void> {
    await server.close();
    await producer.close(true);
    await db.close();
  }

  before(async () => {
    const broker = await startLocalBroker(brokerOpts);
    bootstrap = [broker.bootstrap];
    const admin = new Admin({ clientId: 'vigil-test', bootstrapBrokers: bootstrap });
    await provision(admin, topology, -1);
    await admin.close();
    await startGateway();
  });
  after(async () => {
    await stopGateway().catch(() => {});
    await stopLocalBroker(brokerOpts.dir);
    rmSync(dir, { recursive: true, force: true });
  });

  async function read(topic: string, idleMs = 2_000) {
    const consumer = new Consumer({ clientId: 'r', groupId: `r-${uniqueSuffix()}`, bootstrapBrokers: bootstrap, isolationLevel: FetchIsolationLevels.READ_COMMITTED, maxWaitTime: 100 });
    const out: { controlId: string; eventId: string; patientId: string; payload: Record<string, unknown>; value: string }[] = [];
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
    await new Promise<void>((done) => {
      let timer = setTimeout(done, idleMs);
      stream.on('data', (m: Message) => {
        const headers = Object.fromEntries([...m.headers].map(([k, v]) => [k.toString(), v.toString()]));
        const { event } = decodeEvent(m.value, headers);
        out.push({ controlId: String((event.payload.source as { controlId?: string }).controlId), eventId: event.event_id, patientId: event.patient_id, payload: event.payload, value: m.value.toString() });
        clearTimeout(timer);
        timer = setTimeout(done, idleMs);
      });
    });
    await stream.close();
    await consumer.close(true);
    return out;
  }

  async function exchange(messages: string[]): Promise<ReturnType<typeof parseAck>[]> {
    const client = await MllpTestClient.connect(port);
    for (const m of messages) await client.send(m);
    const answers = await client.take(messages.length);
    client.end();
    return answers.map(parseAck);
  }

  it('answers AA only once the events are in Kafka, keyed by a pseudonym, never the MRN', async () => {
    const a01 = setField(fixture('epic-adt-a01-v251.hl7'), 'MSH', 10, `A01-${uniqueSuffix()}`);
    const oru = setField(fixture('lab-oru-r01-v23.hl7'), 'MSH', 10, `ORU-${uniqueSuffix()}`);
    const acks = await exchange([a01, oru]);
    assert.deepEqual(acks.map((a) => a.code), ['AA', 'AA']);
    const adt = (await read(topicOf(topology, 'hl7-adt-events'))).filter((e) => e.controlId === acks[0]?.controlId);
    assert.equal(adt.length, 1);
    const payload = adt[0]?.payload as unknown as AdtPayload;
    const mrn = payload.patient.identifiers.find((i) => i.type === 'MR');
    assert.ok(mrn);
    assert.equal(adt[0]?.patientId, keys.patientKey({ value: mrn.value, authority: mrn.authority }));
    assert.ok(!adt[0]?.patientId.includes(mrn.value));
    const labs = (await read(topicOf(topology, 'lab-results'))).filter((e) => e.controlId === acks[1]?.controlId);
    assert.ok(labs.length >= 1);
  });

  it('answers AE naming segment, field and rule, without any value, and writes nothing', async () => {
    const controlId = `BAD-${uniqueSuffix()}`;
    const [ack] = await exchange([withoutSegments(adtMessage(controlId), 'PV1').replace(/PID\|1\|\|[^|]*\|/, 'PID|1|||')]);
    assert.ok(ack);
    assert.ok(ack.code === 'AE' || ack.code === 'AR');
    assert.equal(ack.controlId, controlId);
    assert.ok(ack.errors.some((e) => e.location.startsWith('PID^1^3')), JSON.stringify(ack.errors));
    assert.equal(containsCanary(JSON.stringify(ack)), undefined);
    const adt = (await read(topicOf(topology, 'hl7-adt-events'), 1_000)).filter((e) => e.controlId === controlId);
    assert.deepEqual(adt, []);
  });

  it('writes a retransmission once, also after the gateway restarts', async () => {
    const controlId = `RTX-${uniqueSuffix()}`;
    const message = setField(fixture('cerner-adt-a02-v24.hl7'), 'MSH', 10, controlId);
    assert.deepEqual((await exchange([message, message])).map((a) => a.code), ['AA', 'AA']);
    await stopGateway();
    await startGateway();
    assert.deepEqual((await exchange([message])).map((a) => a.code), ['AA']);
    const events = (await read(topicOf(topology, 'hl7-adt-events'))).filter((e) => e.controlId === controlId);
    assert.equal(events.length, 1);
  });

  it('never answers AA while the broker is down; every AA-ed message is in Kafka after it returns', async () => {
    const ids = Array.from({ length: 4 }, () => `DOWN-${uniqueSuffix()}`);
    const messages = ids.map((id) => setField(fixture('epic-adt-a01-v251.hl7'), 'MSH', 10, id));
    await stopLocalBroker(brokerOpts.dir);
    const client = await MllpTestClient.connect(port);
    for (const m of messages) await client.send(m);
    const down = (await client.take(messages.length)).map(parseAck);
    client.end();
    assert.deepEqual(down.map((a) => a.code), ['AE', 'AE', 'AE', 'AE']);
    for (const a of down) assert.equal(a.errors[0]?.code, '207');

    await startLocalBroker(brokerOpts);
    // The sender retransmits what was not acknowledged, until it gets AA.
    const acked = new Set<string>();
    for (let round = 0; round < 20 && acked.size < ids.length; round++) {
      const again = await exchange(messages.filter((m, i) => !acked.has(ids[i] ?? '')));
      for (const a of again) if (a.code === 'AA') acked.add(a.controlId);
    }
    assert.equal(acked.size, ids.length);
    const events = (await read(topicOf(topology, 'hl7-adt-events'))).filter((e) => ids.includes(e.controlId));
    for (const id of ids) assert.ok(events.some((e) => e.controlId === id), `${id} is in Kafka`);
  });
});
