// What the runtime costs over the Kafka client itself. N small events on a 12-partition topic are
// read by fresh consumer groups: (a) by a raw @platformatic/kafka Consumer that only commits (each
// partition's last offset every 50 ms), (a') by the same raw consumer that also decodes each record
// as a hand-written one would (key to a string, value with JSON.parse): what a processor is handed,
// without the runtime's checks; (b) by WorkerRuntime with a processor that decides nothing
// (returns {}), so what remains is the runtime's own work: decode and validation, per-key
// scheduling, watermarks and one Kafka transaction per commit round (a decision without effects is
// not stored). (c) runs the runtime with a processor that sends one output record per event, so
// every decision is stored and every output written in the commit round's transaction: the cost of
// exactly-once effects.
// Throughput runs from the moment the consumer has joined its group and opened its stream to the
// moment all N are committed: the first fetch's parsing counts (with the client's default fetch size
// it is over half the records), so neither side starts its clock after the client did part of the
// work. CPU time is the process's (main thread plus GC and libuv threads) over the same span.
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
  timedDatabase,
  until,
} from './support.ts';

const RECORDS = 200_000;
const PARTITIONS = 12;
const PATIENTS = 10_000;

export const benchmark: Benchmark = { name: 'runtime-overhead', run };

async function run(ctx: BenchContext): Promise<Metrics> {
  const n = scaled(ctx, RECORDS);
  const id = suffix();
  const topic = `bench-overhead-${id}`;
  const dlq = `bench-overhead-dlq-${id}`;
  const out = `bench-overhead-out-${id}`;
  await createTopics(ctx.bootstrap, [
    { name: topic, partitions: PARTITIONS },
    { name: dlq, partitions: 1 },
    { name: out, partitions: PARTITIONS },
  ]);
  const records = Array.from({ length: n }, (_, i) => smallEvent(topic, `${id}-${i}`, `P${i % PATIENTS}`, i));
  const loadMs = await produceAll(ctx.bootstrap, records);
  ctx.log(`runtime-overhead: ${n} records loaded in ${round(loadMs)} ms (${(records[0]?.value.length ?? 0)} B values)`);

  const raw = await rawConsumer(ctx, topic, n, false);
  ctx.log(`runtime-overhead: raw consumer ${round(raw.perS)} records/s`);
  const decoding = await rawConsumer(ctx, topic, n, true);
  ctx.log(`runtime-overhead: raw consumer, decoding ${round(decoding.perS)} records/s`);
  const rt = await runtime(ctx, topic, dlq, n, undefined);
  ctx.log(`runtime-overhead: WorkerRuntime ${round(rt.perS)} records/s`);
  const effects = await runtime({ ...ctx, profile: false }, topic, dlq, n, out);
  ctx.log(`runtime-overhead: WorkerRuntime, one output per event ${round(effects.perS)} records/s`);
  return {
    records: n,
    raw_records_per_s: round(raw.perS),
    runtime_records_per_s: round(rt.perS),
    ratio: round(rt.perS / raw.perS, 3),
    raw_cpu_us_per_record: round(raw.cpuUsPerRecord, 1),
    raw_decoding_records_per_s: round(decoding.perS),
    ratio_to_decoding_raw: round(rt.perS / decoding.perS, 3),
    raw_decoding_cpu_us_per_record: round(decoding.cpuUsPerRecord, 1),
    runtime_cpu_us_per_record: round(rt.cpuUsPerRecord, 1),
    runtime_transactions: rt.transactions,
    runtime_store_share: round((rt.lookupMs + rt.writeMs) / rt.elapsedMs, 3),
    outputs_records_per_s: round(effects.perS),
    outputs_ratio: round(effects.perS / raw.perS, 3),
    outputs_transactions: effects.transactions,
    outputs_store_write_share: round(effects.writeMs / effects.elapsedMs, 3),
  };
}

/** `decode`: each record's key and value are decoded as a hand-written consumer would (a'). */
async function rawConsumer(ctx: BenchContext, topic: string, n: number, decode: boolean) {
  const consumer = newConsumer(ctx.bootstrap, `bench-raw-${suffix()}`);
  const stream = await consumeCommitted(consumer, topic);
  const committer = new PartitionCommitter(consumer, 50);
  const start = performance.now();
  const cpu = process.cpuUsage();
  let count = 0;
  let fields = 0;
  const all = Promise.withResolvers<void>();
  stream.on('error', all.reject);
  stream.on('data', (m) => {
    if (decode) {
      m.key?.toString('utf8');
      fields += Object.keys(JSON.parse(m.value.toString('utf8')) as object).length;
    }
    committer.done(m);
    if (++count === n) all.resolve();
  });
  await all.promise;
  await committer.close();
  const end = performance.now();
  const used = process.cpuUsage(cpu);
  await stream.close();
  await consumer.close();
  if (decode && fields === 0) throw new Error('the decoding raw consumer decoded nothing');
  return { perS: n / ((end - start) / 1000), cpuUsPerRecord: (used.user + used.system) / n };
}

/** `out`: the topic for one output record per event; without it the processor decides nothing. */
async function runtime(ctx: BenchContext, topic: string, dlq: string, n: number, out: string | undefined) {
  const { db, timing } = timedDatabase(await openDatabase({}));
  const group = `bench-runtime-${out ? 'outputs-' : ''}${suffix()}`;
  const worker = new WorkerRuntime(
    {
      group,
      topics: [topic],
      processor: (event) =>
        out ? { outputs: [{ topic: out, key: event.patient_id, value: { seen: event.event_id } }] } : {},
    },
    { bootstrap: ctx.bootstrap, clientId: 'vigil-bench', instanceId: suffix(), deadLetterTopic: dlq, db },
  );
  const profile = ctx.profile ? await startProfile() : undefined;
  try {
    await worker.start();
    const start = performance.now();
    const cpu = process.cpuUsage();
    // buffered counts records fetched and not yet committed: 0 after the last commit round.
    await until('every record committed', () => worker.stats().processed >= n && worker.stats().buffered === 0);
    const end = performance.now();
    const used = process.cpuUsage(cpu);
    if (profile) ctx.log(profileTop(await profile.stop(ctx.resultsDir, 'runtime-overhead')));
    await assertAllCommitted(ctx.bootstrap, group, topic, n);
    return {
      perS: n / ((end - start) / 1000),
      cpuUsPerRecord: (used.user + used.system) / n,
      elapsedMs: end - start,
      transactions: worker.stats().transactions,
      lookups: timing.queries,
      lookupMs: timing.queryMs,
      writeMs: timing.transactionMs,
    };
  } finally {
    await worker.stop();
    await db.close();
  }
}
