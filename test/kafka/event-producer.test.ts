import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compatibilityPartitioner } from '@platformatic/kafka';
import { decodeEvent } from '../../src/event/codec.ts';
import { EventValidationError, validateEvent } from '../../src/event/envelope.ts';
import { EventProducer } from '../../src/kafka/event-producer.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { event } from '../support/canary.ts';
import { readRecords, testConnection, topicOf } from '../support/kafka.ts';
import { provisionedTopology } from '../support/topics.ts';

const meta = { source: 'urn:vigil:test', receivedTime: new Date().toISOString() };

describe('event producer against a real broker', () => {
  let topology: Topology;
  let producer: EventProducer;

  before(async () => {
    topology = await provisionedTopology();
    producer = new EventProducer({ ...testConnection(), clientId: 'vigil-test', topology, ackTimeoutMs: 30_000 });
  });
  after(async () => {
    await producer.close();
  });

  it('keeps each patient on one partition, in send order', async () => {
    const patients = ['P-A', 'P-B', 'P-C', 'P-D', 'P-E', 'P-F'];
    const sent: Record<string, string[]> = {};
    // Several sends, each interleaving patients, as a busy intake would.
    for (let round = 0; round < 10; round++) {
      const batch = patients.map((p) => validateEvent(event({ event_id: `${p}-${round}`, patient_id: p, event_type: 'admission' })));
      for (const e of batch) (sent[e.patient_id] ??= []).push(e.event_id);
      assert.equal(await producer.send(batch, meta), batch.length);
    }
    const adt = topicOf(topology, 'hl7-adt-events');
    const records = await readRecords([adt], 60);
    assert.equal(records.length, 60);
    for (const p of patients) {
      const mine = records.filter((r) => r.key === p);
      assert.equal(new Set(mine.map((r) => r.partition)).size, 1, `${p} spread over partitions`);
      mine.sort((a, b) => (a.offset < b.offset ? -1 : 1));
      assert.deepEqual(mine.map((r) => decodeEvent(r.value, r.headers).event.event_id), sent[p]);
      // Kafka's Java client would put this key on the same partition.
      const expected = compatibilityPartitioner({ topic: adt }, Buffer.from(p)) % 12;
      assert.equal(mine[0]?.partition, expected);
    }
    assert.ok(new Set(records.map((r) => r.partition)).size > 1, 'patients should spread over partitions');
  });

  it('writes a discharge to the ADT topic by patient and to discharge-events by encounter', async () => {
    const discharge = validateEvent(event({ event_id: 'dis-1', event_type: 'discharge', patient_id: 'P-Z', encounter_id: 'E-Z' }));
    assert.equal(await producer.send([discharge], meta), 2);
    const records = await readRecords([topicOf(topology, 'discharge-events')], 1);
    assert.equal(records.length, 1);
    assert.equal(records[0]?.key, 'E-Z');
    assert.equal(records[0]?.headers.ce_id, 'dis-1');
  });

  it('sends nothing from a batch holding an event it cannot route', async () => {
    const ok = validateEvent(event({ event_id: 'ord-ok', event_type: 'order', encounter_id: 'E-1' }));
    const bad = validateEvent(event({ event_id: 'ord-bad', event_type: 'order', encounter_id: null }));
    await assert.rejects(producer.send([ok, bad], meta), EventValidationError);
    const records = await readRecords([topicOf(topology, 'clinical-orders')], 1, 2_000);
    assert.deepEqual(records, []);
  });
});
