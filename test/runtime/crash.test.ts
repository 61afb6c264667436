// Exactly-once effects through crashes and rebalances (invariant 2), with workers in real processes.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ClinicalEvent, validateEvent } from '../../src/event/envelope.ts';
import { EventProducer } from '../../src/kafka/event-producer.ts';
import { openDatabase } from '../../src/store/db.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { event } from '../support/canary.ts';
import { committedCount, readRecords, testConnection, topicOf, uniqueSuffix, waitFor } from '../support/kafka.ts';
import { provisionedTopology } from '../support/topics.ts';

const WORKER = resolve(import.meta.dirname, '..', 'support', 'worker-process.ts');

describe('exactly-once effects with workers in real processes', () => {
  let topology: Topology;
  let producer: EventProducer;
  const children = new Set<ChildProcess>();

  before(async () => {
    topology = await provisionedTopology();
    producer = new EventProducer({ ...testConnection(), clientId: 'vigil-test', topology, ackTimeoutMs: 30_000 });
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await producer.close();
  });

  async function produce(run: string, count: number, patients: number): Promise<void> {
    const events: ClinicalEvent[] = [];
    for (let i = 0; i < count; i++) {
      events.push(validateEvent(event({ event_id: `${run}-${i}`, event_type: 'lab_result', patient_id: `C${i % patients}`, payload: { i } })));
    }
    const meta = { source: 'urn:vigil:test', receivedTime: new Date().toISOString() };
    for (let i = 0; i < events.length; i += 1_000) await producer.send(events.slice(i, i + 1_000), meta);
  }

  function spawnWorker(env: Record<string, string>): ChildProcess {
    const child = spawn(process.execPath, [WORKER], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  }

  function exited(child: ChildProcess): Promise<number | null> {
    return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
  }

  async function assertExactlyOnce(run: string, group: string, output: string, total: number, storeUrl: { url?: string; dataDir?: string }) {
    const records = await readRecords([output], total + 1_000, 5_000);
    const sources = records.map((r) => (JSON.parse(r.value.toString()) as { source: string }).source).filter((s) => s.startsWith(run));
    assert.equal(sources.length, total, 'each output once for a read_committed reader');
    assert.equal(new Set(sources).size, total);
    const db = await openDatabase(storeUrl);
    try {
      const [rows] = await db.query<{ n: string; d: string }>('SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM test_effects WHERE group_id = $1', [group]);
      assert.equal(Number(rows?.n), total, 'each store write once');
      assert.equal(Number(rows?.d), total);
      const [effects] = await db.query<{ n: string }>('SELECT count(*) AS n FROM effects WHERE processor = $1', [group]);
      assert.equal(Number(effects?.n), total);
    } finally {
      await db.close();
    }
  }

  it('survives five SIGKILLs during a 30,000-event run: every output and store write exactly once', async () => {
    const run = uniqueSuffix();
    const group = `crash-${run}`;
    const input = topicOf(topology, 'lab-results');
    const output = topicOf(topology, 'ai-result-interpretations');
    const storeDir = mkdtempSync(join(tmpdir(), 'vigil-crash-store-'));
    // Enough work, at up to 10 ms an event, that five crashes land before the end even when the
    // worker is fast and a progress check slow (TLS handshakes under SASL_SSL).
    const total = 30_000;
    await produce(run, total, 2_000);
    const env = { GROUP: group, INPUT_TOPIC: input, OUTPUT_TOPIC: output, DLQ_TOPIC: topicOf(topology, 'ai-events-dlq'), INSTANCE_ID: 'w1', STORE_DIR: storeDir, DATABASE_URL: '', MAX_DELAY_MS: '10' };
    try {
      let kills = 0;
      let last = 0n;
      while (kills < 5) {
        const child = spawnWorker(env);
        // Kill at a random moment after some progress, so each crash lands mid-run.
        const target = last + 1_500n;
        await waitFor('progress before the next crash', async () => (await committedCount(group, input)) >= target);
        await sleep(Math.random() * 400);
        child.kill('SIGKILL');
        await exited(child);
        kills++;
        last = await committedCount(group, input);
        assert.ok(last < BigInt(total), 'the crashes happen before the run ends');
      }
      const final = spawnWorker(env);
      await waitFor('the run completes after the crashes', async () => (await committedCount(group, input)) === BigInt(total), 300_000);
      final.kill('SIGTERM');
      assert.equal(await exited(final), 0);
      await assertExactlyOnce(run, group, output, total, { dataDir: storeDir });
    } finally {
      rmSync(storeDir, { recursive: true, force: true });
    }
  });

  it('loses and duplicates nothing while a second worker joins and the first leaves mid-run', async () => {
    const url = process.env.VIGIL_TEST_DATABASE_URL;
    assert.ok(url, 'VIGIL_TEST_DATABASE_URL is set by the test runner');
    const run = uniqueSuffix();
    const group = `rebalance-${run}`;
    const input = topicOf(topology, 'hl7-adt-events');
    const output = topicOf(topology, 'ai-risk-scores');
    const total = 12_000;
    // Admissions, so no other test's records share this input topic... they may: count only ours.
    const events: ClinicalEvent[] = [];
    for (let i = 0; i < total; i++) events.push(validateEvent(event({ event_id: `${run}-${i}`, event_type: 'admission', patient_id: `J${i % 1_500}`, payload: { i } })));
    const meta = { source: 'urn:vigil:test', receivedTime: new Date().toISOString() };
    for (let i = 0; i < events.length; i += 1_000) await producer.send(events.slice(i, i + 1_000), meta);
    const end = await endCount(input);
    const base = { GROUP: group, INPUT_TOPIC: input, OUTPUT_TOPIC: output, DLQ_TOPIC: topicOf(topology, 'ai-events-dlq'), DATABASE_URL: url, MAX_DELAY_MS: '6' };

    const first = spawnWorker({ ...base, INSTANCE_ID: 'a' });
    await waitFor('first worker progressing', async () => (await committedCount(group, input)) >= end / 5n);
    const second = spawnWorker({ ...base, INSTANCE_ID: 'b' });
    await waitFor('both sharing the work', async () => (await committedCount(group, input)) >= (end * 2n) / 5n);
    first.kill('SIGTERM');
    assert.equal(await exited(first), 0, 'the leaving worker stops cleanly');
    await waitFor('the second worker finishes alone', async () => (await committedCount(group, input)) === end, 300_000);
    second.kill('SIGTERM');
    assert.equal(await exited(second), 0);
    const records = await readRecords([output], total + 1_000, 5_000);
    const sources = records.map((r) => (JSON.parse(r.value.toString()) as { source: string }).source).filter((s) => s.startsWith(run));
    assert.equal(sources.length, total);
    assert.equal(new Set(sources).size, total);
    const db = await openDatabase({ url });
    try {
      const [rows] = await db.query<{ n: string; d: string }>('SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM test_effects WHERE group_id = $1 AND event_id LIKE $2', [group, `${run}-%`]);
      assert.equal(Number(rows?.n), total);
      assert.equal(Number(rows?.d), total);
    } finally {
      await db.close();
    }
  });
});

async function endCount(topic: string): Promise<bigint> {
  const records = await readRecords([topic], 10_000_000, 1_500);
  const ends = new Map<number, bigint>();
  for (const r of records) if ((ends.get(r.partition) ?? -1n) < r.offset + 1n) ends.set(r.partition, r.offset + 1n);
  return [...ends.values()].reduce((a, b) => a + b, 0n);
}
