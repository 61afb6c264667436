// Crypto-shredding against a real broker, with a worker running: a forgotten patient's sealed
// events are skipped (counted, committed past, not dead-lettered), other patients' events are
// processed as plain events, and a tampered record is refused into the DLQ with its original bytes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import client from 'prom-client';
import { type ClinicalEvent, validateEvent } from '../../src/event/envelope.ts';
import { EventProducer } from '../../src/kafka/event-producer.ts';
import { trackWorkers } from '../../src/observe/metrics.ts';
import { forgetPatient } from '../../src/phi/forget.ts';
import { LocalKeyring } from '../../src/phi/kek.ts';
import { PatientKeys } from '../../src/phi/patient-keys.ts';
import { PayloadCrypto } from '../../src/phi/payload-crypto.ts';
import { DLQ_HEADER } from '../../src/runtime/dead-letter.ts';
import { WorkerRuntime } from '../../src/runtime/engine.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { CANARY, containsCanary, event } from '../support/canary.ts';
import { committedCount, endOffsetTotal, readRecords, testConnection, topicOf, uniqueSuffix, waitFor } from '../support/kafka.ts';
import { provisionedTopology } from '../support/topics.ts';

const meta = { source: 'urn:vigil:test', receivedTime: new Date().toISOString() };

describe('forgetting a patient, with a worker running', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-forget-'));
  let topology: Topology;
  let db: Database;
  let labs: string;
  let dlq: string;
  let gatewayCrypto: PayloadCrypto;
  const closing: (() => Promise<void>)[] = [];

  before(async () => {
    topology = await provisionedTopology();
    db = await openDatabase({});
    labs = topicOf(topology, 'lab-results');
    dlq = topicOf(topology, 'ai-events-dlq');
    gatewayCrypto = new PayloadCrypto(new PatientKeys(db, new LocalKeyring(join(dir, 'kek'))));
  });
  after(async () => {
    for (const close of closing.reverse()) await close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function producer(seal: (e: ClinicalEvent) => ReturnType<PayloadCrypto['seal']>): EventProducer {
    const p = new EventProducer({ ...testConnection(), clientId: 'vigil-test', topology, ackTimeoutMs: 30_000, seal });
    closing.push(() => p.close());
    return p;
  }

  it('skips the forgotten patient, processes the others, and dead-letters a moved payload', async () => {
    const run = uniqueSuffix();
    const group = `forget-${run}`;
    const lab = (patient: string, n: number) => validateEvent(event({ event_id: `${run}-${patient}-${n}`, event_type: 'lab_result', patient_id: `pt-${run}-${patient}`, encounter_id: null }));
    const gone = [1, 2, 3].map((n) => lab('gone', n));
    const kept = [1, 2, 3].map((n) => lab('kept', n));
    const sealing = producer((e) => gatewayCrypto.seal(e));
    await sealing.send([...gone, ...kept], meta);
    // A payload sealed for one event and put into another: refused, not forgotten.
    const moved = lab('kept', 4);
    await producer(async (e) => {
      const s = await gatewayCrypto.seal({ ...e, event_id: `${run}-elsewhere` });
      return { event: { ...s.event, event_id: e.event_id }, headers: s.headers };
    }).send([moved], meta);

    const result = await forgetPatient(db, `pt-${run}-gone`, 'test', 'erasure request');
    assert.equal(result.keysDestroyed, 1);

    const seen: ClinicalEvent[] = [];
    const workerCrypto = new PayloadCrypto(new PatientKeys(db, new LocalKeyring(join(dir, 'kek'))));
    const runtime = new WorkerRuntime(
      { group, topics: [labs], processor: (e) => {
        seen.push(e);
        return {};
      } },
      { ...testConnection(), clientId: 'vigil-test', instanceId: run, deadLetterTopic: dlq, db, openPayload: (e, h) => workerCrypto.open(e, h) },
    );
    await runtime.start();
    closing.push(() => runtime.stop());
    const untrack = trackWorkers(() => [runtime.stats()]);
    closing.push(async () => untrack());

    const end = await endOffsetTotal(labs);
    await waitFor('the group to commit past every record', async () => (await committedCount(group, labs)) === end);

    // Processors saw the other patient's events, opened (the canary payload back in plain).
    assert.deepEqual(seen.map((e) => e.event_id).sort(), kept.map((e) => e.event_id).sort());
    assert.equal((seen[0]?.payload.patient as { mrn?: string }).mrn, CANARY.mrn);
    const stats = runtime.stats();
    assert.equal(stats.forgotten, 3);
    assert.equal(stats.deadLettered, 1);
    const metrics = await client.register.getSingleMetricAsString('vigil_forgotten_events_total');
    assert.match(metrics, new RegExp(`vigil_forgotten_events_total\\{group="${group}"\\} 3`));

    // Only the moved payload is dead-lettered: the original (still sealed) bytes, a rule, no value.
    const dead = (await readRecords([dlq], 100, 3_000)).filter((r) => r.headers[DLQ_HEADER.group] === group);
    assert.equal(dead.length, 1);
    const [entry] = dead;
    assert.equal(entry?.headers[DLQ_HEADER.errorClass], 'EventValidationError');
    assert.match(entry?.headers[DLQ_HEADER.errorRule] ?? '', /payload must authenticate/);
    assert.equal(JSON.parse(entry?.value.toString() ?? '{}').event_id, moved.event_id);
    assert.equal(containsCanary(entry?.value.toString() ?? ''), undefined);
    assert.equal(containsCanary(JSON.stringify(entry?.headers)), undefined);
  });
});
