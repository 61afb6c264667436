import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildIntake } from '../../src/gateway/http-intake.ts';
import { EventProducer } from '../../src/kafka/event-producer.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { CANARY, containsCanary, event } from '../support/canary.ts';
import { readRecords, testConnection, topicOf } from '../support/kafka.ts';
import { provisionedTopology } from '../support/topics.ts';

async function post(url: string, body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, text: await res.text() };
}

describe('HTTP intake against a real broker', () => {
  let topology: Topology;
  let producer: EventProducer;
  let app: FastifyInstance;
  let url: string;

  before(async () => {
    topology = await provisionedTopology();
    producer = new EventProducer({ ...testConnection(), clientId: 'vigil-test-intake', topology, ackTimeoutMs: 30_000 });
    app = buildIntake({ producer, topology });
    url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/events`;
  });
  after(async () => {
    await app.close();
    await producer.close();
  });

  it('answers 202 only for events that are on their topic afterwards', async () => {
    const accepted: string[] = [];
    const single = event({ event_id: 'http-1', event_type: 'lab_result' });
    let res = await post(url, JSON.stringify(single));
    assert.equal(res.status, 202);
    accepted.push('http-1');

    const batch = [2, 3, 4].map((i) => event({ event_id: `http-${i}`, event_type: 'lab_result', patient_id: `P-${i}` }));
    res = await post(url, JSON.stringify(batch));
    assert.equal(res.status, 202);
    assert.deepEqual(JSON.parse(res.text), { accepted: 3, event_ids: ['http-2', 'http-3', 'http-4'] });
    accepted.push('http-2', 'http-3', 'http-4');

    // One bad event refuses the whole batch: neither of these may reach Kafka.
    res = await post(url, JSON.stringify([event({ event_id: 'http-5', event_type: 'lab_result' }), event({ event_id: 'http-6', event_timestamp: 'yesterday' })]));
    assert.equal(res.status, 400);

    const records = await readRecords([topicOf(topology, 'lab-results')], accepted.length + 2, 3_000);
    assert.deepEqual(records.map((r) => r.headers.ce_id).sort(), accepted.sort());
  });

  it('answers 400 naming each field and rule, never echoing a value', async () => {
    const res = await post(url, JSON.stringify([event(), event({ event_type: CANARY.name, patient_id: `${CANARY.mrn} x`, payload: CANARY.note })]));
    assert.equal(res.status, 400);
    const body = JSON.parse(res.text) as { errors: { index: number; field: string; rule: string }[] };
    assert.deepEqual(body.errors.map((e) => [e.index, e.field]), [
      [1, 'patient_id'],
      [1, 'event_type'],
      [1, 'payload'],
    ]);
    assert.equal(containsCanary(res.text), undefined);

    for (const bad of [`{"event_id": "${CANARY.mrn}", `, `[${CANARY.name}]`, '']) {
      const r = await post(url, bad);
      assert.equal(r.status, 400, bad);
      assert.equal(containsCanary(r.text), undefined);
    }
    const missing = await post(url, JSON.stringify(event({ event_type: 'order', encounter_id: null })));
    assert.equal(missing.status, 400);
    assert.match(missing.text, /encounter_id/);
    // vigil's own care-gap tick is not for senders: it would move a patient's clock.
    const tick = await post(url, JSON.stringify(event({ event_type: 'care_gap_due' })));
    assert.equal(tick.status, 400);
    assert.deepEqual((JSON.parse(tick.text) as { errors: unknown[] }).errors, [{ index: 0, field: 'event_type', rule: 'is made by vigil itself, not accepted from senders' }]);
  });

  it('never answers 202 while Kafka cannot acknowledge', async () => {
    // A port nobody listens on: the producer cannot reach a broker.
    const deadPort = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const deadProducer = new EventProducer({ bootstrap: [`127.0.0.1:${deadPort}`], clientId: 'vigil-test-dead', topology, ackTimeoutMs: 1_500 });
    const deadApp = buildIntake({ producer: deadProducer, topology });
    const deadUrl = `${await deadApp.listen({ host: '127.0.0.1', port: 0 })}/events`;
    try {
      const res = await post(deadUrl, JSON.stringify(event({ event_id: 'never-acked' })));
      assert.equal(res.status, 503);
      assert.match(res.text, /Kafka did not acknowledge/);
    } finally {
      await deadApp.close();
      await deadProducer.close(true);
    }
  });
});
