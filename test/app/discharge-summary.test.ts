// ai-discharge-summary on a real broker: a simulated stay goes through the gateway's producer, the
// timeline projects it, and the summary on ai-discharge-summaries holds every result, medication
// and diagnosis of the stay. Also when the timeline lags: it starts only after the summary worker
// has begun waiting for it (invariant 9), and the summary is still complete.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Composition, Condition, MedicationStatement, Observation } from '@medplum/fhirtypes';
import { criticalValueWorker, dischargeSummaryWorker, timelineWorker } from '../../src/app/workers.ts';
import type { ClinicalEvent } from '../../src/event/envelope.ts';
import { EventProducer } from '../../src/kafka/event-producer.ts';
import { GroupProgress, type PartitionTarget } from '../../src/kafka/group-progress.ts';
import { WorkerRuntime } from '../../src/runtime/engine.ts';
import type { WorkerDeclaration } from '../../src/runtime/worker.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { containsCanary } from '../support/canary.ts';
import { type SimulatedStay, simulatedStay } from '../support/encounter.ts';
import { readRecords, testConnection, topicOf, uniqueSuffix, waitFor } from '../support/kafka.ts';
import { provisionedTopology } from '../support/topics.ts';

/** Progress that remembers what the summary worker found the timeline still behind on. */
class WatchedProgress extends GroupProgress {
  polls = 0;
  lastBehind: PartitionTarget[] = [];
  override async behind(group: string, targets: PartitionTarget[]): Promise<PartitionTarget[]> {
    const behind = await super.behind(group, targets);
    this.polls++;
    this.lastBehind = behind;
    return behind;
  }
}

const key = (cc: { coding?: { system?: string; code?: string }[] } | undefined) => `${cc?.coding?.[0]?.system}|${cc?.coding?.[0]?.code}`;

function assertComplete(c: Composition, stay: SimulatedStay): void {
  const of = <T>(type: string) => (c.contained ?? []).filter((r) => r.resourceType === type) as T[];
  assert.deepEqual([...new Set(of<Observation>('Observation').map((o) => key(o.code)))].sort(), [...stay.expected.results].sort());
  assert.equal(of<Observation>('Observation').length, 5);
  assert.deepEqual(
    Object.fromEntries(of<MedicationStatement>('MedicationStatement').map((m) => [key(m.medicationCodeableConcept), m.statusReason?.[0]?.text?.split(' ')[0]])),
    stay.expected.medications,
  );
  assert.deepEqual(of<Condition>('Condition').map((x) => key(x.code)).sort(), [...stay.expected.diagnoses].sort());
  const results = c.section?.find((s) => s.code?.coding?.[0]?.code === '30954-2')?.text?.div ?? '';
  for (const v of stay.expected.values) assert.ok(results.includes(v), v);
  assert.equal(c.meta, undefined, 'not flagged partial');
}

describe('ai-discharge-summary on a real broker', () => {
  let topology: Topology;
  let db: Database;
  let producer: EventProducer;
  let progress: WatchedProgress;
  const runtimes: WorkerRuntime[] = [];

  const start = async (decl: WorkerDeclaration) => {
    const runtime = new WorkerRuntime(decl, { ...testConnection(), clientId: 'vigil-test', instanceId: uniqueSuffix(), deadLetterTopic: topicOf(topology, 'ai-events-dlq'), db });
    await runtime.start();
    runtimes.push(runtime);
  };
  const send = (events: ClinicalEvent[]) => producer.send(events, { source: 'urn:vigil:test', receivedTime: new Date().toISOString() });
  const summaryOf = async (stay: SimulatedStay) => {
    const records = await readRecords([topicOf(topology, 'ai-discharge-summaries')], 1_000, 1_000);
    return records.filter((r) => r.headers.vigil_source_event_id === stay.discharge.event_id);
  };

  before(async () => {
    topology = await provisionedTopology();
    db = await openDatabase({});
    producer = new EventProducer({ ...testConnection(), clientId: 'vigil-test', topology, ackTimeoutMs: 30_000 });
    progress = new WatchedProgress({ ...testConnection(), clientId: 'vigil-test' });
  });
  after(async () => {
    for (const r of runtimes) await r.stop();
    await progress.close();
    await producer.close();
    await db.close();
  });

  it('waits for a timeline that starts only after the discharge arrived, then summarises the whole stay', async () => {
    const stay = simulatedStay(`lag-${uniqueSuffix()}`);
    // The whole stay, discharge included, is in Kafka before any timeline runs.
    for (const e of stay.events) await send([e]);
    await start(dischargeSummaryWorker(topology, db, progress, { historyWaitMs: 600_000 }));
    await waitFor('the summary worker waiting on the timeline', () => progress.polls >= 3 && progress.lastBehind.length > 0);
    assert.deepEqual(await db.query('SELECT 1 FROM ai_outputs WHERE event_id = $1', [stay.discharge.event_id]), [], 'no summary while the timeline lags');

    await start(timelineWorker(topology));
    await waitFor('the summary', async () => (await summaryOf(stay)).length > 0);
    const [record, ...more] = await summaryOf(stay);
    assert.equal(more.length, 0);
    assert.equal(record?.headers.vigil_history, undefined, 'decided on complete history');
    assert.equal(record?.key, stay.patientId);
    assertComplete(JSON.parse(record?.value.toString() ?? '{}') as Composition, stay);
  });

  it('summarises a simulated stay with every result, medication and diagnosis, and the critical alert raised during it', async () => {
    await start(criticalValueWorker(topology, db));
    const stay = simulatedStay(`sim-${uniqueSuffix()}`);
    const beforeDischarge = stay.events.filter((e) => e !== stay.discharge);
    for (const e of beforeDischarge) await send([e]);
    // The alert is another consumer's work: let it land before the patient leaves.
    await waitFor('the critical potassium alert', async () => (await db.query("SELECT 1 FROM ai_outputs WHERE processor = 'ai-critical-value-alert' AND patient_id = $1 AND rule_id NOT LIKE 'note:%'", [stay.patientId])).length > 0);
    await send([stay.discharge]);

    await waitFor('the summary', async () => (await summaryOf(stay)).length > 0);
    const [record] = await summaryOf(stay);
    assert.equal(record?.headers.vigil_history, undefined);
    const c = JSON.parse(record?.value.toString() ?? '{}') as Composition;
    assertComplete(c, stay);
    assert.equal(c.type.coding?.[0]?.code, '18842-5');
    assert.equal(c.encounter?.reference, `Encounter/${stay.encounterId}`);
    assert.match(c.section?.find((s) => s.code?.coding?.[0]?.code === '8648-8')?.text?.div ?? '', /ai-critical-value-alert, critical/);
    assert.equal(containsCanary(record?.value.toString() ?? ''), undefined, 'no name or MRN in the summary');

    const stored = await db.query<{ output_id: string; record: Composition }>('SELECT output_id, record FROM ai_outputs WHERE processor = $1 AND event_id = $2', ['ai-discharge-summary', stay.discharge.event_id]);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.output_id, c.id);
    assert.deepEqual(stored[0]?.record, c);
  });
});

describe('ai-discharge-summary when the timeline never catches up', () => {
  let topology: Topology;
  let db: Database;
  let producer: EventProducer;
  let progress: GroupProgress;
  let runtime: WorkerRuntime;

  before(async () => {
    topology = await provisionedTopology();
    db = await openDatabase({});
    producer = new EventProducer({ ...testConnection(), clientId: 'vigil-test', topology, ackTimeoutMs: 30_000 });
    progress = new GroupProgress({ ...testConnection(), clientId: 'vigil-test' });
  });
  after(async () => {
    await runtime?.stop();
    await progress.close();
    await producer.close();
    await db.close();
  });

  it('summarises after the bounded wait on what is there, flagged partial in its headers and its document', async () => {
    const stay = simulatedStay(`partial-${uniqueSuffix()}`);
    await producer.send(stay.events, { source: 'urn:vigil:test', receivedTime: new Date().toISOString() });
    // No timeline runs on these topics: the wait can only end by its bound.
    runtime = new WorkerRuntime(dischargeSummaryWorker(topology, db, progress, { historyWaitMs: 1_500 }), { ...testConnection(), clientId: 'vigil-test', instanceId: uniqueSuffix(), deadLetterTopic: topicOf(topology, 'ai-events-dlq'), db });
    await runtime.start();
    const summaries = async () => (await readRecords([topicOf(topology, 'ai-discharge-summaries')], 1, 1_000)).filter((r) => r.headers.vigil_source_event_id === stay.discharge.event_id);
    await waitFor('the partial summary', async () => (await summaries()).length > 0);
    const [record] = await summaries();
    assert.equal(record?.headers.vigil_history, 'partial');
    const c = JSON.parse(record?.value.toString() ?? '{}') as Composition;
    assert.equal(c.meta?.tag?.[0]?.code, 'history-partial');
    // The discharge's own diagnosis is there even without the timeline; the stay's results are not.
    assert.deepEqual((c.contained ?? []).filter((r) => r.resourceType === 'Condition').map((x) => key((x as Condition).code)), ['http://hl7.org/fhir/sid/icd-10-cm|N17.9']);
    assert.equal((c.contained ?? []).filter((r) => r.resourceType === 'Observation').length, 0);
  });
});
