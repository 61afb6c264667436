// Replay by offset reset against a real broker: refused while the group is live, then a new run
// re-reads the records and reuses the stored decisions (invariant 2).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { validateEvent } from '../../src/event/envelope.ts';
import { EventProducer } from '../../src/kafka/event-producer.ts';
import { WorkerRuntime } from '../../src/runtime/engine.ts';
import { GroupActiveError, ReplayError, parseReplayTarget, resetGroupOffsets } from '../../src/runtime/replay.ts';
import type { WorkerDeclaration } from '../../src/runtime/worker.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { event } from '../support/canary.ts';
import { runCli } from '../support/cli.ts';
import { committedCount, readRecords, testConnection, testKafkaEnv, topicOf, uniqueSuffix, waitFor, withAdmin } from '../support/kafka.ts';
import { provisionedTopology } from '../support/topics.ts';

const meta = { source: 'urn:vigil:test', receivedTime: new Date().toISOString() };
const tmp = mkdtempSync(join(tmpdir(), 'vigil-replay-'));

describe('parseReplayTarget', () => {
  it('reads earliest, offsets and ISO 8601 times, and nothing else', () => {
    assert.deepEqual(parseReplayTarget('earliest'), { kind: 'earliest' });
    assert.deepEqual(parseReplayTarget('42'), { kind: 'offset', offset: 42n });
    assert.deepEqual(parseReplayTarget('2026-11-26T08:30:00-05:00'), { kind: 'time', at: new Date('2026-11-26T13:30:00Z') });
    for (const bad of ['latest', '-1', 'yesterday', '2026-13-45T99:00:00Z', '']) assert.throws(() => parseReplayTarget(bad), ReplayError, bad);
  });
});

describe('replay (offset reset) against a real broker', () => {
  let topology: Topology;
  let db: Database;
  let producer: EventProducer;
  const runtimes: WorkerRuntime[] = [];

  before(async () => {
    topology = await provisionedTopology();
    db = await openDatabase({});
    producer = new EventProducer({ ...testConnection(), clientId: 'vigil-test', topology, ackTimeoutMs: 30_000 });
  });
  after(async () => {
    for (const r of runtimes) await r.stop();
    await producer.close();
    await db.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  function worker(decl: WorkerDeclaration): WorkerRuntime {
    const runtime = new WorkerRuntime(decl, { ...testConnection(), clientId: 'vigil-test', instanceId: uniqueSuffix(), deadLetterTopic: topicOf(topology, 'ai-events-dlq'), db });
    runtimes.push(runtime);
    return runtime;
  }

  async function stop(runtime: WorkerRuntime): Promise<void> {
    await runtime.stop();
    runtimes.splice(runtimes.indexOf(runtime), 1);
  }

  /** Resets once the group has emptied (a stopped member's leave can take a moment to settle). */
  async function resetWhenIdle(opts: Parameters<typeof resetGroupOffsets>[0]): Promise<Awaited<ReturnType<typeof resetGroupOffsets>>> {
    let result: Awaited<ReturnType<typeof resetGroupOffsets>> | undefined;
    await waitFor('the group to be empty', async () => {
      try {
        result = await resetGroupOffsets(opts);
        return true;
      } catch (err) {
        if (err instanceof GroupActiveError) return false;
        throw err;
      }
    });
    return result as Awaited<ReturnType<typeof resetGroupOffsets>>;
  }

  async function committedByPartition(group: string, topic: string): Promise<Map<number, bigint>> {
    const [offsets] = await withAdmin((admin) => admin.listConsumerGroupOffsets({ groups: [group] }));
    return new Map((offsets?.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => [p.partitionIndex, p.committedOffset]));
  }

  it('refuses while a worker runs; after it stops, earliest makes a new run re-read everything and reuse every decision', async () => {
    const run = uniqueSuffix();
    const group = `replay-${run}`;
    const adt = topicOf(topology, 'hl7-adt-events');
    const events = Array.from({ length: 30 }, (_, i) => validateEvent(event({ event_id: `${run}-${i}`, patient_id: `RP${i}-${run}` })));
    await producer.send(events, meta);
    const calls = new Map<string, number>();
    const decl: WorkerDeclaration = {
      group,
      topics: [adt],
      processor(e) {
        calls.set(e.event_id, (calls.get(e.event_id) ?? 0) + 1);
        return { outputs: [{ topic: topicOf(topology, 'ai-risk-scores'), key: e.patient_id, value: { source: e.event_id } }] };
      },
    };
    const first = worker(decl);
    await first.start();
    await waitFor('first run committed everything', async () => (await committedCount(group, adt)) === 30n);

    await assert.rejects(resetGroupOffsets({ ...testConnection(), topology, group, topic: adt, to: { kind: 'earliest' } }), GroupActiveError);
    const cli = await runCli(['replay', '--group', group, '--topic', adt, '--to', 'earliest'], { ...testKafkaEnv(), VIGIL_HOME: tmp });
    assert.equal(cli.code, 3, cli.stderr);
    assert.match(cli.stderr, /refused: consumer group .* is active/);
    assert.equal(await committedCount(group, adt), 30n, 'nothing moved');
    await stop(first);

    const dry = await resetWhenIdle({ ...testConnection(), topology, group, topic: adt, to: { kind: 'earliest' }, dryRun: true });
    assert.equal(dry.applied, false);
    assert.equal(dry.partitions.length, 12);
    assert.equal(await committedCount(group, adt), 30n, 'a dry run changes nothing');

    const viaCli = await runCli(['replay', '--group', group, '--topic', adt, '--to', 'earliest'], { ...testKafkaEnv(), VIGIL_HOME: tmp });
    assert.equal(viaCli.code, 0, viaCli.stderr);
    assert.match(viaCli.stdout, /^topic\s+partition\s+old offset\s+new offset$/m);
    assert.match(viaCli.stdout, /12 partition\(s\) reset/);
    const before = dry.partitions.reduce((n, p) => n + (p.from ?? 0n), 0n);
    assert.equal(before, 30n, 'the old offsets were the committed ones');
    const committed = await committedByPartition(group, adt);
    assert.equal(committed.size, 12);
    for (const [partition, offset] of committed) assert.equal(offset, 0n, `partition ${partition} back to 0`);

    const second = worker(decl);
    await second.start();
    await waitFor('second run committed everything', async () => (await committedCount(group, adt)) === 30n);
    assert.equal(second.stats().reused, 30, 'every decision came from the store');
    assert.equal(second.stats().processed, 30);
    assert.ok([...calls.values()].every((n) => n === 1), 'no processor was called twice');
    assert.equal(calls.size, 30);
    await stop(second);
    // Invariant 2 across a replay: the outputs committed by the first run are not sent again.
    const outputs = (await readRecords([topicOf(topology, 'ai-risk-scores')], 10_000, 2_000))
      .map((r) => (JSON.parse(r.value.toString()) as { source: string }).source)
      .filter((s) => s.startsWith(`${run}-`));
    assert.equal(outputs.length, 30, 'one output per event, not one per run');
    assert.equal(new Set(outputs).size, 30);
  });

  it('resets to the first record at or after a time, per partition', async () => {
    const run = uniqueSuffix();
    const group = `replay-time-${run}`;
    const labs = topicOf(topology, 'lab-results');
    const early = Array.from({ length: 20 }, (_, i) => validateEvent(event({ event_id: `${run}-early-${i}`, event_type: 'lab_result', patient_id: `T${i}-${run}` })));
    const late = Array.from({ length: 20 }, (_, i) => validateEvent(event({ event_id: `${run}-late-${i}`, event_type: 'lab_result', patient_id: `T${i}-${run}` })));
    await producer.send(early, meta);
    // Record timestamps are milliseconds: keep the cut strictly between the two batches.
    await sleep(20);
    const cut = new Date();
    await sleep(20);
    await producer.send(late, meta);

    const runtime = worker({ group, topics: [labs], processor: () => ({}) });
    await runtime.start();
    await waitFor('all committed', async () => (await committedCount(group, labs)) === 40n);
    await stop(runtime);

    const result = await resetWhenIdle({ ...testConnection(), topology, group, topic: labs, to: { kind: 'time', at: cut } });
    const records = await readRecords([labs], 40);
    for (const p of result.partitions) {
      const firstLate = records.filter((r) => r.partition === p.partition && r.headers.ce_id?.includes('-late-')).sort((a, b) => (a.offset < b.offset ? -1 : 1))[0];
      const end = records.filter((r) => r.partition === p.partition).reduce((n, r) => (r.offset + 1n > n ? r.offset + 1n : n), 0n);
      assert.equal(p.to, firstLate?.offset ?? end, `partition ${p.partition}`);
    }

    const again = worker({ group, topics: [labs], processor: () => ({}) });
    await again.start();
    await waitFor('re-read committed', async () => (await committedCount(group, labs)) === 40n);
    // Decisions without effects are not stored, so the processor sees these again.
    assert.equal(again.stats().processed, 20, 'only the records after the cut were read again');
  });

  it('sets an explicit offset on one partition, kept within the log', async () => {
    const run = uniqueSuffix();
    const group = `replay-offset-${run}`;
    const orders = topicOf(topology, 'clinical-orders');
    const result = await resetGroupOffsets({ ...testConnection(), topology, group, topic: orders, partition: 3, to: { kind: 'offset', offset: 1_000n } });
    assert.deepEqual(result.partitions, [{ topic: orders, partition: 3, from: null, to: 0n }], 'an empty partition ends at 0');
    await assert.rejects(resetGroupOffsets({ ...testConnection(), topology, group, to: { kind: 'offset', offset: 1n } }), ReplayError);
    await assert.rejects(resetGroupOffsets({ ...testConnection(), topology, group, topic: orders, partition: 99, to: { kind: 'earliest' } }), ReplayError);
  });
});
