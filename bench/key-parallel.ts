// Key-parallel versus partition-serial processing of slow work (an AI call simulated by a 20 ms
// timer). 60,000 events of 10,000 patients on 12 partitions. Partition-serial is what a plain
// consumer does: each partition's records one at a time, in order, so at most 12 run at once
// (ceiling 12 / 20 ms = 600/s); its rate is steady, so it is measured on the first 10,000 events
// only (about 18 s instead of 100). WorkerRuntime runs different patients concurrently (up to its
// concurrency) and each patient's events in order; the processor counts every event that arrives
// out of its patient's order or while another event of the same patient is running. The last run
// (concurrency 1024) sends one output record per event: each decision stored, each output in the
// commit's transaction, the cost of exactly-once effects.
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkerRuntime } from '../src/runtime/engine.ts';
import { openDatabase } from '../src/store/db.ts';
import { profileTop, startProfile } from './profile.ts';
import {
  assertAllCommitted,
  type BenchContext,
  type Benchmark,
  type Metrics,
  PartitionCommitter,
  consumeCommitted,
  createTopics,
  newConsumer,
  produceAll,
  round,
  scaled,
  smallEvent,
  suffix,
  until,
} from './support.ts';

const EVENTS = 60_000;
const SERIAL_EVENTS = 10_000;
const PATIENTS = 10_000;
const PARTITIONS = 12;
const AI_CALL_MS = 20;
const CONCURRENCY = [256, 512, 1024];

export const benchmark: Benchmark = { name: 'key-parallel', run };

/** Checks per-patient order: each patient's seq must be the previous + 1, one at a time. */
class OrderCheck {
  readonly #last = new Map<string, number>();
  readonly #running = new Set<string>();
  violations = 0;
  calls = 0;
  first = 0;

  async process(patient: string, seq: number): Promise<void> {
    if (this.calls++ === 0) this.first = performance.now();
    if (this.#running.has(patient) || (this.#last.get(patient) ?? -1) !== seq - 1) this.violations++;
    this.#running.add(patient);
    await sleep(AI_CALL_MS);
    this.#running.delete(patient);
    this.#last.set(patient, seq);
  }
}

async function run(ctx: BenchContext): Promise<Metrics> {
  const n = scaled(ctx, EVENTS);
  const id = suffix();
  const topic = `bench-keys-${id}`;
  const dlq = `bench-keys-dlq-${id}`;
  await createTopics(ctx.bootstrap, [
    { name: topic, partitions: PARTITIONS },
    { name: dlq, partitions: 1 },
  ]);
  // Patients drawn at random (seeded), so some have one event and some several.
  const random = mulberry32(42);
  const seqs = new Map<string, number>();
  const records = Array.from({ length: n }, (_, i) => {
    const patient = `P${Math.floor(random() * PATIENTS)}`;
    const seq = seqs.get(patient) ?? 0;
    seqs.set(patient, seq + 1);
    return smallEvent(topic, `${id}-${i}`, patient, seq);
  });
  await produceAll(ctx.bootstrap, records);
  ctx.log(`key-parallel: ${n} events of ${seqs.size} patients loaded`);

  const metrics: Metrics = { events: n, patients: seqs.size };
  const serial = await partitionSerial(ctx, topic, Math.min(n, scaled(ctx, SERIAL_EVENTS)));
  ctx.log(`key-parallel: partition-serial ${round(serial.perS)} events/s`);
  metrics.serial_events_per_s = round(serial.perS);
  metrics.serial_violations = serial.violations;
  for (const concurrency of CONCURRENCY) {
    const r = await keyParallel(ctx, topic, dlq, n, concurrency);
    ctx.log(`key-parallel: WorkerRuntime concurrency ${concurrency}: ${round(r.perS)} events/s, ${r.violations} violations`);
    metrics[`c${concurrency}_events_per_s`] = round(r.perS);
    metrics[`c${concurrency}_speedup`] = round(r.perS / serial.perS, 1);
    metrics[`c${concurrency}_violations`] = r.violations;
  }
  const out = `bench-keys-out-${id}`;
  await createTopics(ctx.bootstrap, [{ name: out, partitions: PARTITIONS }]);
  const effects = await keyParallel(ctx, topic, dlq, n, 1024, out);
  ctx.log(`key-parallel: WorkerRuntime concurrency 1024, one output per event: ${round(effects.perS)} events/s, ${effects.violations} violations`);
  metrics.c1024_outputs_events_per_s = round(effects.perS);
  metrics.c1024_outputs_speedup = round(effects.perS / serial.perS, 1);
  metrics.c1024_outputs_violations = effects.violations;
  return metrics;
}

async function partitionSerial(ctx: BenchContext, topic: string, n: number) {
  const consumer = newConsumer(ctx.bootstrap, `bench-serial-${suffix()}`);
  const stream = await consumeCommitted(consumer, topic);
  const committer = new PartitionCommitter(consumer, 50);
  const check = new OrderCheck();
  const chains = new Map<number, Promise<void>>();
  let done = 0;
  const all = Promise.withResolvers<void>();
  stream.on('error', all.reject);
  stream.on('data', (m) => {
    const { patient_id: patient, payload } = JSON.parse(m.value.toString()) as { patient_id: string; payload: { seq: number } };
    const previous = chains.get(m.partition) ?? Promise.resolve();
    const next = previous.then(async () => {
      if (done >= n) return; // measured enough: drop the rest
      await check.process(patient, payload.seq);
      committer.done(m);
      if (++done === n) all.resolve();
    });
    chains.set(m.partition, next);
  });
  await all.promise;
  await committer.close();
  const end = performance.now();
  await stream.close();
  await consumer.close();
  return { perS: n / ((end - check.first) / 1000), violations: check.violations };
}

/** `output`: the topic for one output record per event; without it the processor decides nothing. */
async function keyParallel(ctx: BenchContext, topic: string, dlq: string, n: number, concurrency: number, output?: string) {
  const db = await openDatabase({});
  const check = new OrderCheck();
  const group = `bench-keys-${concurrency}-${suffix()}`;
  const worker = new WorkerRuntime(
    {
      group,
      topics: [topic],
      policies: { concurrency },
      async processor(event) {
        await check.process(event.patient_id, event.payload.seq as number);
        return output ? { outputs: [{ topic: output, key: event.patient_id, value: { seen: event.event_id } }] } : {};
      },
    },
    { bootstrap: ctx.bootstrap, clientId: 'vigil-bench', instanceId: suffix(), deadLetterTopic: dlq, db },
  );
  // --profile: the CPU profile of the concurrency-1024 run without outputs.
  const profile = ctx.profile && concurrency === 1024 && !output ? await startProfile() : undefined;
  try {
    await worker.start();
    await until('every event committed', () => worker.stats().processed >= n && worker.stats().buffered === 0);
    const end = performance.now();
    if (profile) ctx.log(profileTop(await profile.stop(ctx.resultsDir, 'key-parallel')));
    await assertAllCommitted(ctx.bootstrap, group, topic, n);
    return { perS: n / ((end - check.first) / 1000), violations: check.violations };
  } finally {
    await worker.stop();
    await db.close();
  }
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
