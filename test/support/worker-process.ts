// A worker in a process of its own, for crash and rebalance tests. Configured by environment:
// GROUP, INPUT_TOPIC, OUTPUT_TOPIC, DLQ_TOPIC, INSTANCE_ID, KAFKA_BROKERS, and DATABASE_URL or
// STORE_DIR. Every decision also writes a row to test_effects (no unique key there, so a second
// application of the same writes would show). SIGTERM stops it gracefully.
import { setTimeout as sleep } from 'node:timers/promises';
import { securityFromConfig } from '../../src/kafka/connection.ts';
import { WorkerRuntime } from '../../src/runtime/engine.ts';
import { openDatabase } from '../../src/store/db.ts';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const db = await openDatabase(process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : { dataDir: env('STORE_DIR') });
await db.exec('CREATE TABLE IF NOT EXISTS test_effects (group_id text NOT NULL, event_id text NOT NULL)');
const output = env('OUTPUT_TOPIC');
const maxDelay = Number(process.env.MAX_DELAY_MS ?? '3');

const runtime = new WorkerRuntime(
  {
    group: env('GROUP'),
    topics: [env('INPUT_TOPIC')],
    policies: { concurrency: 64, commitIntervalMs: 30 },
    async processor(e) {
      await sleep(Math.random() * maxDelay);
      return { outputs: [{ topic: output, key: e.patient_id, value: { source: e.event_id } }], writes: [{ event_id: e.event_id }] };
    },
    async store(tx, e) {
      await tx.query('INSERT INTO test_effects (group_id, event_id) VALUES ($1, $2)', [env('GROUP'), e.event_id]);
    },
  },
  { bootstrap: env('KAFKA_BROKERS').split(','), security: securityFromConfig(undefined, process.env), clientId: 'vigil-test-worker', instanceId: env('INSTANCE_ID'), deadLetterTopic: env('DLQ_TOPIC'), db },
);
runtime.onFailure(() => process.exit(2));
process.once('SIGTERM', () => {
  void runtime
    .stop()
    .then(() => db.close())
    .then(() => process.exit(0));
});
await runtime.start();
process.stdout.write('ready\n');
