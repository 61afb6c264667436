// Dead-letter replay against a real broker: entries go back to their source with their original
// key, bytes and headers; hold-key releases re-deliver parked followers in order; listing shows
// metadata and never a payload.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Producer, stringSerializer } from '@platformatic/kafka';
import { type ClinicalEvent, validateEvent } from '../../src/event/envelope.ts';
import { EventProducer } from '../../src/kafka/event-producer.ts';
import { KEY_PARKED, deadLetterHeaders } from '../../src/runtime/dead-letter.ts';
import { type DlqEntry, REPLAY_HEADER, listDeadLetters, releaseParked, replayDeadLetter, replayGroup } from '../../src/runtime/dlq.ts';
import { WorkerRuntime } from '../../src/runtime/engine.ts';
import { NonRetryableError, type WorkerDeclaration } from '../../src/runtime/worker.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import { listParkedKeys } from '../../src/store/parked-keys.ts';
import { provision } from '../../src/topology/provision.ts';
import { type Topology, deadLetterTopic, defaultTopology } from '../../src/topology/topology.ts';
import { CANARY, containsCanary, event } from '../support/canary.ts';
import { runCli } from '../support/cli.ts';
import { committedCount, readRecords, testClientOptions, testConnection, testKafkaEnv, topicOf, uniqueSuffix, waitFor, withAdmin } from '../support/kafka.ts';
import { provisionedTopology } from '../support/topics.ts';

const meta = { source: 'urn:vigil:test', receivedTime: new Date().toISOString() };
const tmp = mkdtempSync(join(tmpdir(), 'vigil-dlq-'));

describe('dead-letter replay against a real broker', () => {
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

  function worker(decl: WorkerDeclaration, dlq = topicOf(topology, 'ai-events-dlq')): WorkerRuntime {
    const runtime = new WorkerRuntime(decl, { ...testConnection(), clientId: 'vigil-test', instanceId: uniqueSuffix(), deadLetterTopic: dlq, db });
    runtimes.push(runtime);
    return runtime;
  }

  async function stop(runtime: WorkerRuntime): Promise<void> {
    await runtime.stop();
    runtimes.splice(runtimes.indexOf(runtime), 1);
  }

  const opts = () => ({ ...testConnection(), clientId: 'vigil-test', topology, db });

  async function entriesOf(group: string, count: number, t: Topology = topology): Promise<DlqEntry[]> {
    let entries: DlqEntry[] = [];
    await waitFor(`${count} DLQ entries of ${group}`, async () => {
      entries = await listDeadLetters({ ...testConnection(), topology: t, group });
      return entries.length >= count;
    });
    return entries;
  }

  it('re-delivers a dead-lettered record with its key, bytes and headers, and a fixed processor takes it', async () => {
    const run = uniqueSuffix();
    const group = `dlq-${run}`;
    const labs = topicOf(topology, 'lab-results');
    const failing = validateEvent(event({ event_id: `${run}-bad`, event_type: 'lab_result', patient_id: `D1-${run}` }));
    const fine = validateEvent(event({ event_id: `${run}-ok`, event_type: 'lab_result', patient_id: `D2-${run}` }));
    await producer.send([failing, fine], meta);

    let broken = true;
    const seen: string[] = [];
    const decl: WorkerDeclaration = {
      group,
      topics: [labs],
      processor(e) {
        seen.push(e.event_id);
        if (broken && e.event_id === failing.event_id) throw new NonRetryableError('model rejected it');
        return {};
      },
    };
    const first = worker(decl);
    await first.start();
    const [entry] = await entriesOf(group, 1);
    assert.ok(entry);
    await waitFor('caught up', async () => (await committedCount(group, labs)) === 2n);
    await stop(first);

    assert.equal(entry.eventId, failing.event_id);
    assert.equal(entry.eventType, 'lab_result');
    assert.equal(entry.sourceTopic, labs);
    assert.equal(entry.errorClass, 'NonRetryableError');
    assert.equal(entry.attempts, 1);
    assert.equal(entry.parked, false);
    assert.equal(entry.replayOf, null);
    assert.equal(Object.hasOwn(entry, 'key') || Object.hasOwn(entry, 'value') || Object.hasOwn(entry, 'headers'), false, 'metadata only');

    const result = await replayDeadLetter({ ...opts(), ref: entry.ref });
    assert.equal(result.released, 0);
    assert.deepEqual(result.redelivered.map((r) => [r.ref, r.eventId, r.follower, r.topic]), [[entry.ref, failing.event_id, false, labs]]);

    const records = (await readRecords([labs], 3)).filter((r) => r.headers.ce_id === failing.event_id);
    const original = records.find((r) => !r.headers[REPLAY_HEADER.of]);
    const replayed = records.find((r) => r.headers[REPLAY_HEADER.of] === entry.ref);
    assert.ok(original && replayed);
    assert.equal(replayed.key, original.key);
    assert.ok(replayed.value.equals(original.value), 'value bytes untouched');
    assert.equal(replayed.partition, original.partition, 'same key, same partition');
    assert.equal(replayed.offset, result.redelivered[0]?.offset);
    assert.equal(replayed.headers[REPLAY_HEADER.group], group);
    assert.deepEqual(Object.keys(replayed.headers).filter((h) => h.startsWith('vigil_dlq_')), []);
    for (const [k, v] of Object.entries(original.headers)) assert.equal(replayed.headers[k], v, `header ${k}`);

    broken = false;
    const second = worker(decl);
    await second.start();
    await waitFor('the replayed record committed', async () => (await committedCount(group, labs)) === 3n);
    assert.deepEqual(seen.filter((id) => id === failing.event_id).length, 2, 'failed once, then processed');
    assert.equal(second.stats().deadLettered, 0);
    assert.equal(second.stats().processed, 1);
  });

  function holdKeyRun(run: string, patient: string) {
    return [0, 1, 2].map((i) => validateEvent(event({ event_id: `${run}-${patient}-${i}`, patient_id: `${patient}-${run}`, payload: { i } })));
  }

  it('hold-key: replaying the failed entry releases the key and re-delivers its parked followers in order', async () => {
    const run = uniqueSuffix();
    const group = `dlq-hold-${run}`;
    const adt = topicOf(topology, 'hl7-adt-events');
    const held = holdKeyRun(run, 'HA');
    const other = holdKeyRun(run, 'HB');
    await producer.send(held.flatMap((e, i) => [e, other[i] as ClinicalEvent]), meta);

    let broken = true;
    const seen: string[] = [];
    const runtime = worker({
      group,
      topics: [adt],
      policies: { deadLetter: 'hold-key' },
      processor(e) {
        seen.push(e.event_id);
        if (broken && e.event_id === held[0]?.event_id) throw new NonRetryableError('rule broken');
        return {};
      },
    });
    await runtime.start();
    const entries = await entriesOf(group, 3);
    assert.deepEqual(entries.map((e) => [e.eventId, e.errorClass]), [
      [held[0]?.event_id, 'NonRetryableError'],
      [held[1]?.event_id, KEY_PARKED],
      [held[2]?.event_id, KEY_PARKED],
    ]);
    await waitFor('the key is stored as parked', async () => (await listParkedKeys(db, group)).length === 1);

    // The worker keeps running: the release must reach it before the records do.
    broken = false;
    const result = await replayDeadLetter({ ...opts(), ref: (entries[0] as DlqEntry).ref });
    assert.equal(result.released, 1);
    assert.deepEqual(
      result.redelivered.map((r) => [r.eventId, r.follower]),
      [
        [held[0]?.event_id, false],
        [held[1]?.event_id, true],
        [held[2]?.event_id, true],
      ],
    );
    assert.deepEqual(await listParkedKeys(db, group), []);
    const ids = held.map((e) => e.event_id);
    await waitFor('the held patient processed', () => ids.every((id) => seen.filter((s) => s === id).length === (id === ids[0] ? 2 : 1)));
    assert.deepEqual(
      seen.filter((id) => ids.includes(id)),
      [ids[0], ids[0], ids[1], ids[2]],
      'the failure, then (after replay) the failure and its followers in order',
    );
    await waitFor('the worker let go of the key', () => runtime.parkedKeys().length === 0);
    assert.equal((await listDeadLetters({ ...testConnection(), topology, group })).length, 3, 'nothing new dead-lettered');
  });

  it('hold-key: release re-delivers the parked followers, not the failure', async () => {
    const run = uniqueSuffix();
    const group = `dlq-release-${run}`;
    const orders = topicOf(topology, 'discharge-events');
    const held = [0, 1, 2].map((i) => validateEvent(event({ event_id: `${run}-HC-${i}`, event_type: 'discharge', patient_id: `HC-${run}`, encounter_id: `ENC-${run}`, payload: { i } })));
    await producer.send(held, meta);
    const seen: string[] = [];
    const runtime = worker({
      group,
      topics: [orders],
      policies: { deadLetter: 'hold-key' },
      processor(e) {
        seen.push(e.event_id);
        if (e.event_id === held[0]?.event_id) throw new NonRetryableError('always fails');
        return {};
      },
    });
    await runtime.start();
    await entriesOf(group, 3);
    await waitFor('the key is stored as parked', async () => (await listParkedKeys(db, group)).length === 1);
    const key = (await listParkedKeys(db, group))[0]?.key as string;

    const result = await releaseParked({ ...opts(), group, key });
    assert.equal(result.released, 1);
    assert.deepEqual(
      result.redelivered.map((r) => [r.eventId, r.follower]),
      [
        [held[1]?.event_id, true],
        [held[2]?.event_id, true],
      ],
    );
    await waitFor('the followers processed', () => seen.includes(held[2]?.event_id as string));
    assert.deepEqual(seen, held.map((e) => e.event_id));
    await assert.rejects(releaseParked({ ...opts(), group, key }), /not parked/);
  });

  it('hold-key: a replay that fails again is marked, and replaying the group re-delivers its newest failure and followers once', async () => {
    const run = uniqueSuffix();
    const group = `dlq-group-${run}`;
    const adt = topicOf(topology, 'hl7-adt-events');
    const held = holdKeyRun(run, 'HD');
    await producer.send(held, meta);
    let broken = true;
    const seen: string[] = [];
    const runtime = worker({
      group,
      topics: [adt],
      policies: { deadLetter: 'hold-key' },
      processor(e) {
        seen.push(e.event_id);
        if (broken && e.event_id === held[0]?.event_id) throw new NonRetryableError('still broken');
        return {};
      },
    });
    await runtime.start();
    const first = await entriesOf(group, 3);
    await waitFor('the key is stored as parked', async () => (await listParkedKeys(db, group)).length === 1);
    // Replayed while still broken: it fails again and parks its key again.
    await replayDeadLetter({ ...opts(), ref: (first[0] as DlqEntry).ref });
    const second = (await entriesOf(group, 6)).slice(3);
    assert.deepEqual(second.map((e) => [e.eventId, e.parked, e.replayOf]), [
      [held[0]?.event_id, false, first[0]?.ref],
      [held[1]?.event_id, true, first[1]?.ref],
      [held[2]?.event_id, true, first[2]?.ref],
    ]);
    await waitFor('the key is stored as parked again', async () => (await listParkedKeys(db, group)).length === 1);

    broken = false;
    const result = await replayGroup({ ...opts(), group });
    assert.equal(result.released, 1);
    assert.deepEqual(result.redelivered.map((r) => r.ref), second.map((e) => e.ref), 'the newest failure and its followers, once each');
    const ids = held.map((e) => e.event_id);
    await waitFor('the held patient processed', () => seen.includes(ids[2] as string));
    assert.deepEqual(seen.filter((id) => ids.includes(id)), [ids[0], ids[0], ids[0], ids[1], ids[2]]);
  });

  it('lists only entries of committed transactions, in order', async () => {
    const run = uniqueSuffix();
    const group = `dlq-tx-${run}`;
    const dlq = topicOf(topology, 'ai-events-dlq');
    const tx = new Producer<Buffer, Buffer, string, string>({
      clientId: 'vigil-test-tx',
      ...testClientOptions(),
      transactionalId: `vigil-test-${run}`,
      idempotent: true,
      serializers: { headerKey: stringSerializer, headerValue: stringSerializer },
    });
    // Several aborted transactions of one producer between committed ones: what a worker whose
    // commits failed leaves behind.
    const outcomes = [true, false, false, true, false, true];
    for (const [i, commit] of outcomes.entries()) {
      const record = { topic: 'lab-results', partition: 0, offset: BigInt(i), key: `K-${run}`, value: Buffer.from('{}'), headers: { ce_id: `${run}-${i}` } };
      const t = await tx.beginTransaction();
      await t.send({ messages: [{ topic: dlq, key: Buffer.from('lab_result'), value: Buffer.from('{}'), headers: deadLetterHeaders(record, { group, attempts: 1, error: new Error('x') }) }] });
      if (commit) await t.commit();
      else await t.abort();
    }
    await tx.close();
    // The coordinator writes the last commit marker after commit() returns: wait for it to land.
    let entries: Awaited<ReturnType<typeof listDeadLetters>> = [];
    await waitFor('the last committed entry', async () => {
      entries = await listDeadLetters({ ...testConnection(), topology, group });
      return entries.some((e) => e.eventId === `${run}-5`);
    });
    assert.deepEqual(entries.map((e) => e.eventId), [`${run}-0`, `${run}-3`, `${run}-5`]);
  });

  it('dlq list --json through the CLI shows metadata and no payload value; dlq replay works through the CLI', async () => {
    // The CLI reads the topology's real DLQ: a worker on an isolated source topic writes there.
    const realDlq = deadLetterTopic(defaultTopology);
    await withAdmin((admin) => provision(admin, { topics: [realDlq] }, -1));
    const run = uniqueSuffix();
    const group = `dlq-cli-${run}`;
    const labs = topicOf(topology, 'lab-results');
    const bad = validateEvent(event({ event_id: `${run}-canary`, event_type: 'lab_result', patient_id: CANARY.mrn }));
    await producer.send([bad], meta);
    const raw = new Producer({ clientId: 'vigil-test-raw', ...testClientOptions() });
    await raw.send({ messages: [{ topic: labs, key: Buffer.from(CANARY.mrn), value: Buffer.from(`{"note": "${CANARY.note}"`) }] });
    await raw.close();

    const runtime = worker(
      {
        group,
        topics: [labs],
        policies: { retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1, maxElapsedMs: 1_000 } },
        processor(e) {
          if (e.event_id === bad.event_id) throw new Error(`cannot read ${CANARY.name}`);
          return {};
        },
      },
      realDlq.name,
    );
    await runtime.start();
    await entriesOf(group, 2, defaultTopology);
    await stop(runtime);

    const env = { ...testKafkaEnv(), VIGIL_HOME: join(tmp, 'home') };
    const listed = await runCli(['dlq', 'list', '--group', group, '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(containsCanary(listed.stdout + listed.stderr), undefined, 'no payload, key or message in the listing');
    const entries = (JSON.parse(listed.stdout) as { entries: Record<string, unknown>[] }).entries;
    assert.equal(entries.length, 2);
    const failed = entries.find((e) => e.eventId === bad.event_id);
    const poison = entries.find((e) => e.eventId === null);
    assert.ok(failed && poison);
    assert.deepEqual(Object.keys(failed), ['ref', 'partition', 'offset', 'sourceTopic', 'sourcePartition', 'sourceOffset', 'group', 'eventType', 'eventId', 'errorClass', 'rule', 'attempts', 'failedAt', 'parked', 'replayOf', 'state', 'resolution']);
    assert.equal(failed.state, 'open');
    assert.equal(failed.group, group);
    assert.equal(failed.sourceTopic, labs);
    assert.equal(failed.eventType, 'lab_result');
    assert.equal(failed.errorClass, 'Error');
    assert.equal(typeof failed.sourceOffset, 'number');
    assert.ok(!Number.isNaN(Date.parse(failed.failedAt as string)));
    assert.equal(poison.eventType, 'undecodable');
    assert.equal(poison.errorClass, 'EventValidationError');

    const table = await runCli(['dlq', 'list', '--group', group], env);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ref\s+failed at\s+group\s+source/m);
    assert.match(table.stdout, /2 open entries/);
    assert.equal(containsCanary(table.stdout + table.stderr), undefined);

    const replayed = await runCli(['dlq', 'replay', String(failed.ref)], env);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.match(replayed.stdout, /1 record\(s\) re-delivered; 0 parked key\(s\) released/);
    assert.equal(containsCanary(replayed.stdout + replayed.stderr), undefined);
    const back = (await readRecords([labs], 100, 2_000)).filter((r) => r.headers[REPLAY_HEADER.of] === failed.ref && r.headers[REPLAY_HEADER.group] === group);
    assert.equal(back.length, 1);
    assert.equal(back[0]?.key, CANARY.mrn);

    const usage = await runCli(['dlq', 'replay', '--group', group], env);
    assert.equal(usage.code, 64);
    assert.match(usage.stderr, /needs --all/);

    // Resolutions: the replayed entry left the open list; --all shows it with its state.
    const open = JSON.parse((await runCli(['dlq', 'list', '--group', group, '--json'], env)).stdout) as { entries: Record<string, unknown>[] };
    assert.deepEqual(open.entries.map((e) => e.ref), [poison.ref]);
    const all = JSON.parse((await runCli(['dlq', 'list', '--group', group, '--all', '--json'], env)).stdout) as { entries: { ref: string; state: string; resolution: { by: string } | null }[] };
    const replayedEntry = all.entries.find((e) => e.ref === failed.ref);
    assert.equal(replayedEntry?.state, 'replayed');
    assert.match(replayedEntry?.resolution?.by ?? '', /^cli:/);

    // show: metadata by default; the payload only with a reason, and the view is audited.
    const shown = await runCli(['dlq', 'show', String(poison.ref)], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /state\s+open/);
    assert.equal(containsCanary(shown.stdout + shown.stderr), undefined);
    const noReason = await runCli(['dlq', 'show', String(poison.ref), '--payload'], env);
    assert.equal(noReason.code, 64);
    assert.match(noReason.stderr, /needs --reason/);
    const payload = await runCli(['dlq', 'show', String(poison.ref), '--payload', '--reason', 'ticket 42: malformed lab feed'], env);
    assert.equal(payload.code, 0, payload.stderr);
    assert.match(payload.stdout, /payload \(text; this view is recorded in the audit log\)/);
    assert.ok(payload.stdout.includes(CANARY.note), 'the explicit view shows the payload');

    const purged = await runCli(['dlq', 'purge', '--group', group, '--reason', 'malformed at the source'], env);
    assert.equal(purged.code, 0, purged.stderr);
    assert.match(purged.stdout, new RegExp(`1 entry purged: ${poison.ref}`));
    assert.match((await runCli(['dlq', 'list', '--group', group], env)).stdout, /0 open entries/);

    const store = await openDatabase({ dataDir: join(tmp, 'home', 'store') });
    try {
      const audit = await store.query<{ actor: string; action: string; target: string; reason: string | null }>('SELECT actor, action, target, reason FROM audit_log ORDER BY id');
      assert.deepEqual(
        audit.map((a) => [a.action, a.target, a.reason]),
        [
          ['dlq.replay', failed.ref, null],
          ['dlq.view-payload', poison.ref, 'ticket 42: malformed lab feed'],
          ['dlq.purge', `group ${group}`, 'malformed at the source'],
        ],
      );
      assert.ok(audit.every((a) => a.actor.startsWith('cli:')));
      await assert.rejects(store.query('DELETE FROM audit_log'), /append-only/);
    } finally {
      await store.close();
    }
  });
});
