// The lab and medication AI end to end on a real broker: HL7 v2 over MLLP into the gateway, the
// patient timeline, and the critical-value and drug-interaction workers as the main job wires them.
// Invariant 2 across a replay: resetting a group to earliest yields no second alert.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { criticalValueWorker, drugInteractionWorker, timelineWorker } from '../../src/app/workers.ts';
import { createHl7Intake } from '../../src/gateway/hl7-intake.ts';
import { MllpServer } from '../../src/gateway/mllp/server.ts';
import { EventProducer } from '../../src/kafka/event-producer.ts';
import { createPseudonymizer } from '../../src/phi/pseudonym.ts';
import { WorkerRuntime } from '../../src/runtime/engine.ts';
import { GroupActiveError, resetGroupOffsets } from '../../src/runtime/replay.ts';
import type { WorkerDeclaration } from '../../src/runtime/worker.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { parseAck } from '../gateway/mllp/messages.ts';
import { MllpTestClient } from '../gateway/mllp/client.ts';
import { committedCount, readRecords, testConnection, topicOf, uniqueSuffix, waitFor } from '../support/kafka.ts';
import { provisionedTopology } from '../support/topics.ts';

const run = uniqueSuffix();
const MRN = `E2E${run.replace(/\W/g, '').slice(-8)}`;
const PID = `PID|1||${MRN}^^^NORTHWIND^MR||ZZTEST^LAB||19480101|F`;
const PV1 = 'PV1|1|I|W1^101^A||||||||||||||||ENC-1^^^NORTHWIND^VN';

function message(type: string, controlId: string, at: string, body: string[]): string {
  return [`MSH|^~\\&|EPIC|NORTHWIND|VIGIL|HOSP|${at}||${type}|${controlId}|P|2.5.1`, PID, PV1, ...body].join('\r') + '\r';
}

const admission = message('ADT^A01^ADT_A01', `${run}-adm`, '20261126060000', [`EVN|A01|20261126060000`]);
const ibuprofen = message('RDE^O11^RDE_O11', `${run}-ibu`, '20261126070000', [
  `ORC|NW|RX-${run}-1^EPIC|||SC||||20261126070000`,
  'RXE||5640^Ibuprofen^RxNorm|400||mg^milligram^UCUM',
]);
const warfarin = message('RDE^O11^RDE_O11', `${run}-warf`, '20261126080000', [
  `ORC|NW|RX-${run}-2^EPIC|||SC||||20261126080000`,
  'RXE||11289^Warfarin^RxNorm|5||mg^milligram^UCUM',
]);
const bmpOrder = message('ORM^O01^ORM_O01', `${run}-bmp`, '20261126083000', [
  `ORC|NW|BMP-${run}^EPIC|||SC||||20261126083000`,
  `OBR|1|BMP-${run}^EPIC||51990-0^Basic metabolic panel^LN|||20261126083000`,
]);
const criticalPotassium = message('ORU^R01^ORU_R01', `${run}-k`, '20261126090000', [
  `ORC|RE|BMP-${run}^EPIC|FL-${run}^LAB`,
  `OBR|1|BMP-${run}^EPIC|FL-${run}^LAB|51990-0^Basic metabolic panel^LN|||20261126084500|||||||||||||||20261126090000|||F`,
  'OBX|1|NM|2823-3^Potassium^LN||6.9|mmol/L|3.5-5.1|HH|||F|||20261126084500',
]);

interface Output {
  rule?: { id: string };
  pair?: { name: string }[];
}

describe('lab and medication AI from MLLP to alerts', () => {
  let topology: Topology;
  let db: Database;
  let producer: EventProducer;
  let server: MllpServer;
  let client: MllpTestClient;
  const runtimes = new Map<string, WorkerRuntime>();
  // Groups of their own, so a reset here never meets another test file's members (the stored
  // outputs keep the processor's name).
  const own = (decl: WorkerDeclaration): WorkerDeclaration => ({ ...decl, group: `${decl.group}-${run}` });
  let declarations: WorkerDeclaration[];

  async function startWorker(decl: WorkerDeclaration): Promise<void> {
    const runtime = new WorkerRuntime(decl, { ...testConnection(), clientId: 'vigil-test', instanceId: uniqueSuffix(), deadLetterTopic: topicOf(topology, 'ai-events-dlq'), db });
    await runtime.start();
    runtimes.set(decl.group, runtime);
  }

  before(async () => {
    topology = await provisionedTopology();
    db = await openDatabase({});
    producer = new EventProducer({ ...testConnection(), clientId: 'vigil-test', topology, ackTimeoutMs: 30_000 });
    server = new MllpServer({ handler: createHl7Intake({ producer, db, mapper: createPseudonymizer(Buffer.alloc(32, 9)) }).handler });
    client = await MllpTestClient.connect(await server.listen());
    declarations = [timelineWorker(topology), own(criticalValueWorker(topology, db)), own(drugInteractionWorker(topology, db))];
    for (const decl of declarations) await startWorker(decl);
  });
  after(async () => {
    client.end();
    await server.close();
    for (const r of runtimes.values()) await r.stop();
    await producer.close();
    await db.close();
  });

  // The topology is this file's own: everything on its output topics came from these messages.
  const outputs = async (prefix: string): Promise<Output[]> =>
    (await readRecords([topicOf(topology, prefix)], 10_000, 1_500)).map((r) => JSON.parse(r.value.toString()) as Output);

  it('acknowledges each message only after Kafka has it', async () => {
    for (const m of [admission, ibuprofen, warfarin, bmpOrder, criticalPotassium]) {
      await client.send(m);
      const [ack] = await client.take(1);
      assert.equal(parseAck(ack ?? '').code, 'AA');
    }
  });

  it('a critical potassium over MLLP yields exactly one alert, on the alerts topic and in the store', async () => {
    await waitFor('the critical alert', async () => (await outputs('ai-critical-alerts')).length > 0);
    const alerts = await outputs('ai-critical-alerts');
    assert.deepEqual(alerts.map((a) => a.rule?.id), ['critical:potassium-high']);
    const stored = await db.query<{ rule_id: string }>("SELECT rule_id FROM ai_outputs WHERE processor = $1 AND rule_id NOT LIKE 'note:%'", ['ai-critical-value-alert']);
    assert.deepEqual(stored.map((r) => r.rule_id), ['critical:potassium-high']);
  });

  it('an interacting medication order yields one interaction alert naming both drugs', async () => {
    await waitFor('the interaction finding', async () => (await outputs('ai-drug-interaction-alerts')).some((o) => o.rule?.id));
    const findings = (await outputs('ai-drug-interaction-alerts')).filter((o) => o.pair);
    assert.equal(findings.length, 1);
    const names = (findings[0]?.pair ?? []).map((p) => p.name.toLowerCase());
    assert.ok(names.some((n) => n.includes('warfarin')) && names.some((n) => n.includes('ibuprofen')), `names: ${names.join(', ')}`);
  });

  it('replaying the alert group from earliest yields no second alert', async () => {
    const group = `ai-critical-value-alert-${run}`;
    const labs = topicOf(topology, 'lab-results');
    const endOffset = await committedCount(group, labs);
    await runtimes.get(group)?.stop();
    await waitFor('the reset (once the group is empty)', async () => {
      try {
        await resetGroupOffsets({ ...testConnection(), topology, group, topic: labs, to: { kind: 'earliest' } });
        return true;
      } catch (err) {
        if (err instanceof GroupActiveError) return false;
        throw err;
      }
    });
    assert.equal(await committedCount(group, labs), 0n, 'the group starts over');
    await startWorker(declarations[1] as WorkerDeclaration);
    await waitFor('the replay to commit everything again', async () => (await committedCount(group, labs)) === endOffset);
    assert.equal(runtimes.get(group)?.stats().reused, 1, 'the stored decision was reused, the processor not called');
    const alerts = await outputs('ai-critical-alerts');
    assert.equal(alerts.length, 1, 'no second alert on the topic');
    const stored = await db.query("SELECT 1 FROM ai_outputs WHERE processor = 'ai-critical-value-alert' AND rule_id NOT LIKE 'note:%'");
    assert.equal(stored.length, 1, 'no second alert in the store');
  });
});
