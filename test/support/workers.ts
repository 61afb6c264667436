// The set-up of tests that run AI workers as the main job wires them: a provisioned topology of
// their own, an in-memory store, an event producer and a started runtime per worker.
import type { ClinicalEvent } from '../../src/event/envelope.ts';
import { EventProducer } from '../../src/kafka/event-producer.ts';
import { WorkerRuntime } from '../../src/runtime/engine.ts';
import type { WorkerDeclaration } from '../../src/runtime/worker.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { testConnection, topicOf, uniqueSuffix } from './kafka.ts';
import { provisionedTopology } from './topics.ts';

export interface WorkerHarness {
  topology: Topology;
  db: Database;
  producer: EventProducer;
  /** Running runtimes, stopped by `close` (a test may take one out to stop it itself). */
  runtimes: WorkerRuntime[];
  /** Starts one more runtime of a worker, as the main job would (a second instance, say). */
  start(decl: WorkerDeclaration): Promise<WorkerRuntime>;
  /** Produces events as the gateway does, in one request. */
  send(...events: ClinicalEvent[]): Promise<unknown>;
  close(): Promise<void>;
}

export async function startWorkers(declare: (topology: Topology, db: Database) => WorkerDeclaration[]): Promise<WorkerHarness> {
  const topology = await provisionedTopology();
  const db = await openDatabase({});
  const producer = new EventProducer({ ...testConnection(), clientId: 'vigil-test', topology, ackTimeoutMs: 30_000 });
  const runtimes: WorkerRuntime[] = [];
  const start = async (decl: WorkerDeclaration) => {
    const runtime = new WorkerRuntime(decl, { ...testConnection(), clientId: 'vigil-test', instanceId: uniqueSuffix(), deadLetterTopic: topicOf(topology, 'ai-events-dlq'), db });
    await runtime.start();
    runtimes.push(runtime);
    return runtime;
  };
  for (const decl of declare(topology, db)) await start(decl);
  return {
    topology,
    db,
    producer,
    runtimes,
    start,
    send: (...events) => producer.send(events, { source: 'urn:vigil:test', receivedTime: new Date().toISOString() }),
    async close() {
      for (const r of runtimes) await r.stop();
      await producer.close();
      await db.close();
    },
  };
}
