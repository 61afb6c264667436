// The worker runtime against a real broker (invariants 1-6).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Producer, compatibilityPartitioner } from '@platformatic/kafka';
import { decodeEvent, encodeEvent } from '../../src/event/codec.ts';
import { type ClinicalEvent, validateEvent } from '../../src/event/envelope.ts';
import { kafkaErrorCodes } from '../../src/kafka/error-codes.ts';
import { EventProducer } from '../../src/kafka/event-producer.ts';
import { DLQ_HEADER, KEY_PARKED } from '../../src/runtime/dead-letter.ts';
import { WorkerRuntime } from '../../src/runtime/engine.ts';
import { NonRetryableError, type WorkerDeclaration } from '../../src/runtime/worker.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import { findDecisions } from '../../src/store/effects.ts';
import { listParkedKeys } from '../../src/store/parked-keys.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { CANARY, containsCanary, event } from '../support/canary.ts';
import { committedCount, committedOffset, endOffsetTotal, readRecords, testClientOptions, testConnection, topicOf, uniqueSuffix, waitFor, withAdmin } from '../support/kafka.ts';
import { provisionedTopology } from '../support/topics.ts';

const meta = { source: 'urn:vigil:test', receivedTime: new Date().toISOString() };

describe('worker runtime against a real broker', () => {
  let topology: Topology;
  let db: Database;
  let producer: EventProducer;
  let labs: string;
  let adt: string;
  let alerts: string;
  let dlq: string;
  const runtimes: WorkerRuntime[] = [];

  before(async () => {
    topology = await provisionedTopology();
    db = await openDatabase({});
    producer = new EventProducer({ ...testConnection(), clientId: 'vigil-test', topology, ackTimeoutMs: 30_000 });
    labs = topicOf(topology, 'lab-results');
    adt = topicOf(topology, 'hl7-adt-events');
    alerts = topicOf(topology, 'ai-critical-alerts');
    dlq = topicOf(topology, 'ai-events-dlq');
  });
  after(async () => {
    for (const r of runtimes) await r.stop();
    await producer.close();
    await db.close();
  });

  function start(decl: WorkerDeclaration, instanceId = uniqueSuffix()): WorkerRuntime {
    const runtime = new WorkerRuntime(decl, { ...testConnection(), clientId: 'vigil-test', instanceId, deadLetterTopic: dlq, db });
    runtimes.push(runtime);
    return runtime;
  }

  async function send(events: ClinicalEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 500) await producer.send(events.slice(i, i + 500), meta);
  }

  it('keeps per-key order at concurrency 256 over 10,000 events and 1,000 keys, each output exactly once', async () => {
    const run = uniqueSuffix();
    const group = `order-${run}`;
    const events: ClinicalEvent[] = [];
    for (let seq = 0; seq < 10; seq++) {
      for (let k = 0; k < 1_000; k++) {
        events.push(validateEvent(event({ event_id: `${run}-${k}-${seq}`, event_type: 'lab_result', patient_id: `P${k}`, payload: { seq } })));
      }
    }
    await send(events);

    const last = new Map<string, number>();
    let violations = 0;
    let running = 0;
    let maxRunning = 0;
    const runtime = start({
      group,
      topics: [labs],
      policies: { concurrency: 256 },
      async processor(e) {
        running++;
        maxRunning = Math.max(maxRunning, running);
        const seq = e.payload.seq as number;
        if ((last.get(e.patient_id) ?? -1) !== seq - 1) violations++;
        await sleep(Math.random() * 5);
        last.set(e.patient_id, seq);
        running--;
        return { outputs: [{ topic: alerts, key: e.patient_id, value: { source: e.event_id } }] };
      },
    });
    await runtime.start();
    await waitFor('all 10,000 committed', async () => (await committedCount(group, labs)) === 10_000n);
    assert.equal(violations, 0);
    assert.ok(maxRunning > 12, `concurrency above the partition count (saw ${maxRunning})`);
    assert.ok(maxRunning <= 256);

    const outputs = await readRecords([alerts], 10_000, 5_000);
    const sources = outputs.map((r) => (JSON.parse(r.value.toString()) as { source: string }).source).filter((s) => s.startsWith(run));
    assert.equal(sources.length, 10_000);
    assert.equal(new Set(sources).size, 10_000);
    assert.equal(runtime.stats().processed, 10_000);
  });

  it('commits only up to the lowest unfinished record while later ones complete', async () => {
    const run = uniqueSuffix();
    const group = `watermark-${run}`;
    // One slow patient first, then ten on its partition and ten elsewhere (Kafka's partitioner).
    const partitionOf = (key: string) => compatibilityPartitioner({ topic: adt }, Buffer.from(key)) % 12;
    const slowKey = `SLOW-${run}`;
    const slowEvent = validateEvent(event({ event_id: `${run}-slow`, event_type: 'admission', patient_id: slowKey }));
    const same: string[] = [];
    const other: string[] = [];
    for (let i = 0; same.length < 10 || other.length < 10; i++) {
      const key = `W${i}-${run}`;
      if (partitionOf(key) === partitionOf(slowKey)) {
        if (same.length < 10) same.push(key);
      } else if (other.length < 10) other.push(key);
    }
    const others = [...same, ...other].map((key, i) => validateEvent(event({ event_id: `${run}-${i}`, event_type: 'admission', patient_id: key })));
    await send([slowEvent]);
    await send(others);
    const mine = (await readRecords([adt], 100_000, 2_000)).filter((r) => r.headers.ce_id?.startsWith(run));
    const slow = mine.find((r) => r.headers.ce_id === slowEvent.event_id);
    assert.ok(slow);
    const behind = mine.filter((r) => r.partition === slow.partition && r.offset > slow.offset);
    assert.equal(behind.length, 10, 'ten records follow the slow one on its partition');

    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const done = new Set<string>();
    const runtime = start({
      group,
      topics: [adt],
      async processor(e) {
        if (e.event_id === slowEvent.event_id) await gate;
        done.add(e.event_id);
        return {};
      },
    });
    await runtime.start();
    await waitFor('every record but the slow one processed', () => behind.every((r) => done.has(r.headers.ce_id ?? '')));
    // Force commit rounds that start after all of that: probes for twenty new patients, so that
    // some land on other partitions and have something to commit. None may pass the slow record.
    for (const wave of [1, 2]) {
      const rounds = runtime.stats().transactions;
      await send(Array.from({ length: 20 }, (_, i) => validateEvent(event({ event_id: `${run}-probe-${wave}-${i}`, event_type: 'admission', patient_id: `PR${i}-${wave}-${run}` }))));
      await waitFor('a commit round after the probes', () => runtime.stats().transactions > rounds && done.has(`${run}-probe-${wave}-19`));
    }
    assert.ok((await committedOffset(group, adt, slow.partition)) <= slow.offset);
    release();
    const end = (behind[behind.length - 1]?.offset ?? slow.offset) + 1n;
    await waitFor('the watermark passes the slow record', async () => (await committedOffset(group, adt, slow.partition)) >= end);
  });

  it('retries transient failures, then dead-letters with every header and the original bytes', async () => {
    const run = uniqueSuffix();
    const group = `retry-${run}`;
    const flaky = validateEvent(event({ event_id: `${run}-flaky`, event_type: 'lab_result', patient_id: 'R1' }));
    const broken = validateEvent(event({ event_id: `${run}-broken`, event_type: 'lab_result', patient_id: 'R2' }));
    await send([flaky, broken]);
    // A poison record: not an event at all.
    const raw = new Producer({ clientId: 'vigil-test-raw', ...testClientOptions() });
    await raw.send({ messages: [{ topic: labs, key: Buffer.from('R3'), value: Buffer.from(`{"event_id": ${CANARY.mrn}`) }] });
    await raw.close();

    const tries = new Map<string, number>();
    const runtime = start({
      group,
      topics: [labs],
      policies: { retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20, maxElapsedMs: 10_000 } },
      processor(e) {
        const n = (tries.get(e.event_id) ?? 0) + 1;
        tries.set(e.event_id, n);
        if (e.event_id === flaky.event_id && n < 3) throw new Error(`timeout talking to model about ${CANARY.name}`);
        if (e.event_id === broken.event_id) throw new Error(`cannot handle ${CANARY.name}`);
        return { outputs: [{ topic: alerts, key: e.patient_id, value: { source: e.event_id } }] };
      },
    });
    await runtime.start();
    await waitFor('group caught up', async () => (await committedCount(group, labs)) >= 10_003n);
    assert.equal(tries.get(flaky.event_id), 3);
    assert.equal(tries.get(broken.event_id), 3);

    const dead = (await readRecords([dlq], 100_000, 3_000)).filter((r) => r.headers[DLQ_HEADER.group] === group);
    assert.equal(dead.length, 2);
    const brokenDl = dead.find((r) => r.headers.ce_id === broken.event_id);
    assert.ok(brokenDl);
    assert.equal(brokenDl.headers[DLQ_HEADER.sourceTopic], labs);
    assert.equal(brokenDl.headers[DLQ_HEADER.sourceKey], 'R2');
    assert.equal(brokenDl.headers[DLQ_HEADER.attempts], '3');
    assert.equal(brokenDl.headers[DLQ_HEADER.errorClass], 'Error');
    assert.ok(brokenDl.headers[DLQ_HEADER.sourcePartition]);
    assert.ok(brokenDl.headers[DLQ_HEADER.sourceOffset]);
    assert.ok(!Number.isNaN(Date.parse(brokenDl.headers[DLQ_HEADER.failedAt] ?? '')));
    assert.equal(brokenDl.key, 'lab_result');
    assert.equal(decodeEvent(brokenDl.value, brokenDl.headers).event.event_id, broken.event_id, 'original bytes kept for replay');

    const poison = dead.find((r) => r.headers[DLQ_HEADER.sourceKey] === 'R3');
    assert.ok(poison);
    assert.equal(poison.headers[DLQ_HEADER.errorClass], 'EventValidationError');
    assert.equal(poison.headers[DLQ_HEADER.attempts], '1');
    assert.equal(poison.key, 'undecodable');
    for (const r of dead) assert.equal(containsCanary(JSON.stringify(r.headers)), undefined, 'DLQ metadata holds no PHI');
  });

  it('leaves a DLQ replay meant for another group alone', async () => {
    const run = uniqueSuffix();
    const group = `replay-skip-${run}`;
    const mine = validateEvent(event({ event_id: `${run}-mine`, event_type: 'registration_update', patient_id: `RS-${run}` }));
    const theirs = validateEvent(event({ event_id: `${run}-theirs`, event_type: 'registration_update', patient_id: `RS-${run}` }));
    const encoded = encodeEvent(theirs, meta);
    const raw = new Producer({ clientId: 'vigil-test-raw', ...testClientOptions(), serializers: { headerKey: (s?: string) => (s === undefined ? undefined : Buffer.from(s)), headerValue: (s?: string) => (s === undefined ? undefined : Buffer.from(s)) } });
    await raw.send({ messages: [{ topic: adt, key: Buffer.from(theirs.patient_id), value: encoded.value, headers: { ...encoded.headers, vigil_replay_group: 'some-other-group' } }] });
    await raw.close();
    await send([mine]);
    const seen: string[] = [];
    const runtime = start({ group, topics: [adt], processor: (e) => (seen.push(e.event_id), {}) });
    await runtime.start();
    await waitFor('mine processed', () => seen.includes(mine.event_id));
    assert.ok(!seen.includes(theirs.event_id));
  });

  it('dead-letters a record whose writes the store refuses, and commits the rest', async () => {
    const run = uniqueSuffix();
    const group = `store-refuses-${run}`;
    const events = ['ok-1', 'bad', 'ok-2'].map((n) => validateEvent(event({ event_id: `${run}-${n}`, event_type: 'registration_update', patient_id: `SR-${n}-${run}`, payload: { day: n === 'bad' ? '1931-02-29' : '1931-02-28' } })));
    await send(events);
    const stored: string[] = [];
    const runtime = start({
      group,
      topics: [adt],
      processor: (e) => ({ writes: [{ day: e.payload.day as string }] }),
      async store(tx, e, writes) {
        await tx.query('SELECT $1::date', [writes[0]?.day]);
        stored.push(e.event_id);
      },
    });
    await runtime.start();
    await waitFor('the refused record in the DLQ', async () =>
      (await readRecords([dlq], 100_000, 1_000)).some((r) => r.headers[DLQ_HEADER.group] === group),
    );
    const dead = (await readRecords([dlq], 100_000, 1_000)).filter((r) => r.headers[DLQ_HEADER.group] === group);
    assert.deepEqual(dead.map((r) => [r.headers.ce_id, r.headers[DLQ_HEADER.errorClass], r.headers[DLQ_HEADER.errorRule]]), [[`${run}-bad`, 'StoreRejectedError', 'code 22008']]);
    await waitFor('the good ones stored', () => stored.includes(`${run}-ok-1`) && stored.includes(`${run}-ok-2`));
    const rows = await db.query<{ event_id: string }>('SELECT event_id FROM effects WHERE processor = $1 AND event_id LIKE $2 ORDER BY event_id', [group, `${run}-%`]);
    assert.deepEqual(rows.map((r) => r.event_id), [`${run}-ok-1`, `${run}-ok-2`], 'the refused decision is not remembered');
  });

  it('gives an event read twice (same event id) its effects once', async () => {
    const run = uniqueSuffix();
    const group = `dup-${run}`;
    const twice = validateEvent(event({ event_id: `${run}-twice`, event_type: 'lab_result', patient_id: `D1-${run}` }));
    const other = validateEvent(event({ event_id: `${run}-other`, event_type: 'lab_result', patient_id: `D2-${run}` }));
    await send([twice, twice, other]);
    await send([twice]);
    const writes: string[] = [];
    const runtime = start({
      group,
      topics: [labs],
      processor: (e) => ({ outputs: [{ topic: alerts, key: e.patient_id, value: { source: e.event_id } }], writes: [{ id: e.event_id }] }),
      store: async (_tx, e) => {
        writes.push(e.event_id);
      },
    });
    await runtime.start();
    await waitFor('caught up', async () => (await committedCount(group, labs)) >= (await endOffsetTotal(labs)));
    // Other tests' workers still run on this topic: count this group's outputs only.
    const outputs = (await readRecords([alerts], 100_000, 2_000))
      .filter((r) => r.headers.vigil_processor === group)
      .map((r) => (JSON.parse(r.value.toString()) as { source: string }).source);
    assert.equal(outputs.filter((s) => s === twice.event_id).length, 1);
    assert.equal(outputs.filter((s) => s === other.event_id).length, 1);
    assert.deepEqual(writes.filter((id) => id.startsWith(run)).sort(), [other.event_id, twice.event_id]);
  });

  it('asks again for a repeat of an event first decided with nothing to send: what it decides then happens once', async () => {
    const run = uniqueSuffix();
    const group = `dup-nothing-${run}`;
    const repeat = validateEvent(event({ event_id: `${run}-repeat`, event_type: 'lab_result', patient_id: `DN-${run}` }));
    let calls = 0;
    const runtime = start({
      group,
      topics: [labs],
      // Nothing the first time, an output every time after: only the first output may be sent.
      processor: (e) => {
        if (e.event_id !== repeat.event_id) return {};
        calls++;
        return calls === 1 ? {} : { outputs: [{ topic: alerts, key: e.patient_id, value: { source: e.event_id, call: calls } }] };
      },
    });
    await send([repeat]);
    await runtime.start();
    await waitFor('the first copy committed', async () => (await committedCount(group, labs)) >= (await endOffsetTotal(labs)));
    await send([repeat, repeat]);
    await waitFor('the repeats committed', async () => (await committedCount(group, labs)) >= (await endOffsetTotal(labs)));
    const outputs = (await readRecords([alerts], 100_000, 2_000))
      .filter((r) => r.headers.vigil_processor === group)
      .map((r) => JSON.parse(r.value.toString()) as { source: string; call: number });
    assert.equal(calls, 2, 'the first repeat is asked again; the second, taken while the first is in flight or has effects, is not');
    assert.deepEqual(outputs, [{ source: repeat.event_id, call: 2 }]);
  });

  it('gives an event written again after a restart its first decision: no second output or write', async () => {
    const run = uniqueSuffix();
    const group = `dup-restart-${run}`;
    const again = validateEvent(event({ event_id: `${run}-again`, event_type: 'lab_result', patient_id: `DR-${run}` }));
    const calls: number[] = [];
    const writes: string[] = [];
    const decl: WorkerDeclaration = {
      group,
      topics: [labs],
      // A different answer each call: only the first may take effect. (Other tests' records are
      // on this topic too: only this event counts.)
      processor: (e) => {
        if (e.event_id === again.event_id) calls.push(calls.length);
        return { outputs: [{ topic: alerts, key: e.patient_id, value: { source: e.event_id, call: calls.length } }], writes: [{ id: e.event_id }] };
      },
      store: async (_tx, e) => {
        writes.push(e.event_id);
      },
    };
    await send([again]);
    const first = start(decl);
    await first.start();
    await waitFor('first run caught up', async () => (await committedCount(group, labs)) >= (await endOffsetTotal(labs)));
    await first.stop();
    // The same event at a later offset, above the partition's decided mark: not looked up before
    // processing, so the processor answers again, and the stored decision must win at insert.
    await send([again]);
    const second = start(decl);
    await second.start();
    await waitFor('second run caught up', async () => (await committedCount(group, labs)) >= (await endOffsetTotal(labs)));
    const outputs = (await readRecords([alerts], 100_000, 2_000))
      .filter((r) => r.headers.vigil_processor === group)
      .map((r) => JSON.parse(r.value.toString()) as { source: string; call: number })
      .filter((o) => o.source === again.event_id);
    assert.deepEqual(outputs, [{ source: again.event_id, call: 1 }], 'one output, the first decision');
    assert.deepEqual(writes.filter((id) => id === again.event_id), [again.event_id], 'one store write');
    assert.equal(calls.length, 2, 'the processor was asked again (the record was above the decided mark)');
    assert.ok(second.stats().reused >= 1, 'the second run took the stored decision');
  });

  it('fences an older worker with the same instance id: the newer goes on, every output exactly once', async () => {
    const run = uniqueSuffix();
    const group = `fence-${run}`;
    const instance = `same-${run}`;
    const decl: WorkerDeclaration = { group, topics: [labs], processor: (e) => ({ outputs: [{ topic: alerts, key: e.patient_id, value: { source: e.event_id } }] }) };
    const batch = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => validateEvent(event({ event_id: `${run}-${from + i}`, event_type: 'lab_result', patient_id: `F${(from + i) % 40}-${run}` })));
    await send(batch(0, 40));
    let sent = 40;
    const older = start(decl, instance);
    const fenced = Promise.withResolvers<Error>();
    let isFenced = false;
    older.onFailure((err) => {
      isFenced = true;
      fenced.resolve(err);
    });
    await older.start();
    await waitFor('the older worker caught up', async () => (await committedCount(group, labs)) >= (await endOffsetTotal(labs)));
    const newer = start(decl, instance);
    const newerFailures: Error[] = [];
    newer.onFailure((err) => newerFailures.push(err));
    await newer.start();
    // Events keep coming until the older worker's next commit round meets the newer producer epoch.
    await waitFor('the older worker fenced', async () => {
      if (!isFenced) {
        await send(batch(sent, 10));
        sent += 10;
      }
      return isFenced;
    });
    // The broker's refusal: PRODUCER_FENCED or INVALID_PRODUCER_EPOCH, or UNKNOWN_SERVER_ERROR when
    // the older worker's EndTxn lands while the newer producer's InitProducerId is fencing its epoch:
    // Kafka 4.4's coordinator then throws IllegalStateException ("transition to ONGOING while it
    // already a pending state PREPARE_EPOCH_FENCE", in its broker log), and the abort fails too. The
    // worker gives up at once either way. Seen over SASL_SSL, where the handshakes shift the timing.
    const err = await fenced.promise;
    const codes = kafkaErrorCodes(err);
    assert.notEqual(err.name, 'CommitTimeoutError');
    assert.ok(codes.some((c) => ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'UNKNOWN_SERVER_ERROR'].includes(c)), `refused by the broker (codes: ${codes.join(', ')})`);
    await older.stop(); // what its supervisor does before starting a new one
    await waitFor('the newer worker caught up', async () => (await committedCount(group, labs)) >= (await endOffsetTotal(labs)));
    assert.deepEqual(newerFailures, []);
    const sources = (await readRecords([alerts], 100_000, 2_000))
      .filter((r) => r.headers.vigil_processor === group)
      .map((r) => (JSON.parse(r.value.toString()) as { source: string }).source)
      .filter((source) => source.startsWith(`${run}-`));
    assert.equal(sources.length, sent, 'one output per event, none from the fenced transaction');
    assert.equal(new Set(sources).size, sent);
  });

  it('sends decisions stored by a round whose transaction failed with the next round, and marks them delivered', async () => {
    const run = uniqueSuffix();
    const group = `late-out-${run}`;
    const instance = `late-${run}`;
    const out = `late-out-${run}`; // created only after the first worker's round fails on it
    const events = Array.from({ length: 20 }, (_, i) => validateEvent(event({ event_id: `${run}-${i}`, event_type: 'admission', patient_id: `LO${i % 5}-${run}` })));
    await send(events);
    const mine = new Set(events.map((e) => e.event_id));
    const calls: string[] = [];
    const decl = (timeoutMs: number): WorkerDeclaration => ({
      group,
      topics: [adt],
      policies: { commitTimeoutMs: timeoutMs },
      processor: (e) => {
        if (mine.has(e.event_id)) calls.push(e.event_id);
        return { outputs: [{ topic: out, key: e.patient_id, value: { source: e.event_id } }] };
      },
    });
    const first = start(decl(3_000), instance);
    const failed = Promise.withResolvers<Error>();
    first.onFailure(failed.resolve);
    await first.start();
    assert.equal((await failed.promise).name, 'CommitTimeoutError');
    await first.stop();
    const stored = await findDecisions(db, group, [...mine]);
    assert.equal(stored.size, 20, 'the failed round stored its decisions before its Kafka transaction');
    assert.ok([...stored.values()].every((d) => !d.delivered), 'and none is delivered');
    assert.equal(calls.length, 20);

    await withAdmin((admin) => admin.createTopics({ topics: [out], partitions: 3, replicas: -1 }));
    // The same instance id: the new producer fences the hung transaction at once.
    const second = start(decl(30_000), instance);
    await second.start();
    await waitFor('the second worker caught up', async () => (await committedCount(group, adt)) >= (await endOffsetTotal(adt)));
    assert.equal(calls.length, 20, 'the stored decisions were reused: the processor was not asked again');
    const sources = (await readRecords([out], 1_000, 2_000)).map((r) => (JSON.parse(r.value.toString()) as { source: string }).source).filter((id) => mine.has(id));
    assert.deepEqual(sources.sort(), [...mine].sort(), 'each output once');
    const after = await findDecisions(db, group, [...mine]);
    assert.ok([...after.values()].every((d) => d.delivered), 'delivered with the round that sent them: a replay sends nothing again');
  });

  it('gives up (for its supervisor to restart it) when a commit round hangs on an output topic that does not exist', async () => {
    const run = uniqueSuffix();
    const group = `no-topic-${run}`;
    const lost = validateEvent(event({ event_id: `${run}-lost`, event_type: 'admission', patient_id: `NT-${run}` }));
    await send([lost]);
    const runtime = start({
      group,
      topics: [adt],
      policies: { commitTimeoutMs: 3_000 },
      processor: (e) => ({ outputs: [{ topic: `no-such-topic-${run}`, key: e.patient_id, value: { source: e.event_id } }] }),
    });
    const failed = Promise.withResolvers<Error>();
    runtime.onFailure(failed.resolve);
    await runtime.start();
    const err = await failed.promise;
    assert.equal(err.name, 'CommitTimeoutError');
    assert.equal(await committedCount(group, adt), 0n, 'nothing was committed past the record');
  });

  it('hold-key parks only the failed patient, in order, and lists the key', async () => {
    const run = uniqueSuffix();
    const group = `hold-${run}`;
    const events = [0, 1, 2].flatMap((i) => [
      validateEvent(event({ event_id: `${run}-A-${i}`, event_type: 'admission', patient_id: `HA-${run}`, payload: { i } })),
      validateEvent(event({ event_id: `${run}-B-${i}`, event_type: 'admission', patient_id: `HB-${run}`, payload: { i } })),
    ]);
    await send(events);
    const seen: string[] = [];
    const runtime = start({
      group,
      topics: [adt],
      policies: { deadLetter: 'hold-key' },
      processor(e) {
        seen.push(e.event_id);
        if (e.event_id === `${run}-A-0`) throw new NonRetryableError('rule broken');
        return {};
      },
    });
    await runtime.start();
    const total = await endOffsetTotal(adt);
    await waitFor('group caught up', async () => (await committedCount(group, adt)) >= total);
    assert.deepEqual(seen.filter((id) => id.includes('-A-')), [`${run}-A-0`]);
    assert.deepEqual(seen.filter((id) => id.includes('-B-')), [`${run}-B-0`, `${run}-B-1`, `${run}-B-2`]);
    assert.deepEqual(runtime.parkedKeys(), [`HA-${run}`]);
    assert.deepEqual((await listParkedKeys(db, group)).map((k) => k.key), [`HA-${run}`]);
    const dead = (await readRecords([dlq], 100_000, 3_000)).filter((r) => r.headers[DLQ_HEADER.group] === group);
    assert.deepEqual(dead.map((r) => [r.headers.ce_id, r.headers[DLQ_HEADER.errorClass]]), [
      [`${run}-A-0`, 'NonRetryableError'],
      [`${run}-A-1`, KEY_PARKED],
      [`${run}-A-2`, KEY_PARKED],
    ]);
  });

  it('keeps in-flight and buffered records within their limits under a fast producer', async () => {
    const run = uniqueSuffix();
    const group = `backpressure-${run}`;
    const events = Array.from({ length: 3_000 }, (_, i) => validateEvent(event({ event_id: `${run}-${i}`, event_type: 'order', encounter_id: `E${i % 300}`, payload: { i } })));
    const orders = topicOf(topology, 'clinical-orders');
    await send(events);
    const runtime = start({
      group,
      topics: [orders],
      policies: { concurrency: 16, maxBuffered: 200, resumeBelow: 100 },
      async processor() {
        await sleep(2);
        return {};
      },
    });
    let maxInFlight = 0;
    let maxBuffered = 0;
    let sawPause = false;
    const sampler = setInterval(() => {
      const s = runtime.stats();
      maxInFlight = Math.max(maxInFlight, s.inFlight);
      maxBuffered = Math.max(maxBuffered, s.buffered);
      sawPause ||= s.paused;
    }, 2);
    await runtime.start();
    await waitFor('all committed', async () => (await committedCount(group, orders)) >= 3_000n);
    clearInterval(sampler);
    assert.ok(maxInFlight <= 16, `in flight ${maxInFlight}`);
    assert.ok(maxBuffered <= 200, `buffered ${maxBuffered}`);
    assert.ok(sawPause, 'fetching paused at the limit');
    assert.ok(maxBuffered > 100, 'the buffer filled up (the test can fail)');
  });
});
