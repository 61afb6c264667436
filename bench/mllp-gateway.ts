// HL7 v2 over MLLP into Kafka through the real gateway (MllpServer + createHl7Intake +
// EventProducer, its dedupe store in PGlite on disk), fed by MllpSender over 32 connections with
// 1 and with 8 messages awaiting an ACK per connection; every ACK comes after Kafka acknowledged.
// The baseline: a raw idempotent Producer (acks=all) writing the same records (the events each
// message maps to, same topics, keys, values and headers), one message's records per send(),
// each awaited, 32 sends at a time: what 32 connections each waiting for its ACK amount to.
// The sender runs in this process (its CPU counts against the gateway); the messages are
// generated before the clock starts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { encodeEvent } from '../src/event/codec.ts';
import { createHl7Intake } from '../src/gateway/hl7-intake.ts';
import { mapHl7Message } from '../src/gateway/hl7/mapper.ts';
import { MllpServer } from '../src/gateway/mllp/server.ts';
import { EventProducer } from '../src/kafka/event-producer.ts';
import { createPseudonymizer } from '../src/phi/pseudonym.ts';
import { DEFAULT_SIMULATED_START } from '../src/simulator/run.ts';
import { type SimulatedMessage, createSimulation } from '../src/simulator/schedule.ts';
import { MllpSender } from '../src/simulator/sender.ts';
import { openDatabase } from '../src/store/db.ts';
import { provision } from '../src/topology/provision.ts';
import { routeEvent } from '../src/topology/route.ts';
import { type Topology, defaultTopology } from '../src/topology/topology.ts';
import { type BenchContext, type Benchmark, type Metrics, type WireRecord, newProducer, pool, round, scaled, suffix, timedDatabase } from './support.ts';

const MESSAGES = 20_000;
const CONNECTIONS = 32;
const WINDOWS = [1, 8];
const keys = createPseudonymizer(Buffer.alloc(32, 7));

export const benchmark: Benchmark = { name: 'mllp-gateway', run };

async function run(ctx: BenchContext): Promise<Metrics> {
  const m = scaled(ctx, MESSAGES);
  const id = suffix();
  const topology: Topology = { topics: defaultTopology.topics.map((t) => ({ ...t, name: `bench-${t.name}-${id}` })) };
  const admin = new Admin({ clientId: 'vigil-bench', bootstrapBrokers: ctx.bootstrap });
  await provision(admin, topology, -1);
  await admin.close();

  // A fixed seed: the same messages every run (each run has fresh topics and a fresh store).
  const simulation = createSimulation({ seed: 'vigil-bench', start: DEFAULT_SIMULATED_START });
  const messages: SimulatedMessage[] = [];
  for (const message of simulation) {
    messages.push(message);
    if (messages.length === m) break;
  }
  // The baseline's records: what the gateway writes for each message.
  const meta = { source: 'urn:vigil:mllp:RGH', receivedTime: new Date().toISOString() };
  const perMessage: WireRecord[][] = messages.map(({ message }) =>
    mapHl7Message(message, keys).events.flatMap((event) => {
      const { value, headers } = encodeEvent(event, meta);
      return routeEvent(topology, event).map((r) => ({ topic: r.topic, key: Buffer.from(r.key), value, headers }));
    }),
  );
  const records = perMessage.reduce((n, r) => n + r.length, 0);
  ctx.log(`mllp-gateway: ${m} simulated messages -> ${records} records`);

  const metrics: Metrics = { messages: m, records };
  const raw = await rawProducer(ctx, perMessage);
  ctx.log(`mllp-gateway: raw producer ${round(raw)} messages/s`);
  metrics.raw_messages_per_s = round(raw);
  for (const window of WINDOWS) {
    const gw = await gateway(ctx, topology, messages, window);
    ctx.log(`mllp-gateway: window ${window}: ${round(gw.perS)} messages/s (${gw.accepted} AA of ${m})`);
    metrics[`w${window}_messages_per_s`] = round(gw.perS);
    metrics[`w${window}_ratio`] = round(gw.perS / raw, 3);
    metrics[`w${window}_not_accepted`] = m - gw.accepted;
    metrics[`w${window}_store_share`] = round(gw.storeShare, 3);
  }
  return metrics;
}

async function rawProducer(ctx: BenchContext, perMessage: WireRecord[][]): Promise<number> {
  const producer = newProducer(ctx.bootstrap, 'vigil-bench-raw');
  try {
    // Like the gateway, it connects and gets its producer id on the first send, inside the timing.
    const started = performance.now();
    await pool(perMessage, CONNECTIONS, async (messages) => {
      await producer.send({ messages });
    });
    return perMessage.length / ((performance.now() - started) / 1000);
  } finally {
    await producer.close();
  }
}

async function gateway(ctx: BenchContext, topology: Topology, messages: SimulatedMessage[], window: number) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-gw-'));
  const { db, timing } = timedDatabase(await openDatabase({ dataDir: join(dir, 'store') }));
  const producer = new EventProducer({ bootstrap: ctx.bootstrap, clientId: 'vigil-bench-gw', topology, ackTimeoutMs: 30_000 });
  const server = new MllpServer({ handler: createHl7Intake({ producer, db, mapper: keys }).handler, maxConnections: CONNECTIONS + 8 });
  try {
    const port = await server.listen();
    const sender = new MllpSender({ host: '127.0.0.1', port, connections: CONNECTIONS, window, ackTimeoutMs: 30_000 });
    const started = performance.now();
    for (const message of messages) {
      await sender.ready();
      void sender.send(message.message, message.patientRef, message.controlId);
    }
    const counts = await sender.close({ drainTimeoutMs: 300_000 });
    const elapsed = performance.now() - started;
    // PGlite runs each statement on this thread: the share of the run spent in the dedupe store.
    return { perS: messages.length / (elapsed / 1000), accepted: counts.accepted, storeShare: timing.queryMs / elapsed };
  } finally {
    await server.close();
    await producer.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
