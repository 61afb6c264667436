import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { mapFhirBundle } from '../../../src/gateway/fhir/mapper.ts';
import { registerFhirRoutes } from '../../../src/gateway/fhir/routes.ts';
import { buildIntake } from '../../../src/gateway/http-intake.ts';
import { EventProducer } from '../../../src/kafka/event-producer.ts';
import type { Topology } from '../../../src/topology/topology.ts';
import { CANARY, containsCanary } from '../../support/canary.ts';
import { readRecords, testConnection, topicOf } from '../../support/kafka.ts';
import { provisionedTopology } from '../../support/topics.ts';
import { ctOrder, finishedEncounter, omit, options, potassium, transaction } from './fixtures.ts';

interface Answer {
  status: number;
  contentType: string;
  retryAfter: string | null;
  text: string;
  body: { resourceType?: string } & Partial<OperationOutcome> & Partial<Bundle>;
}

async function post(url: string, body: string, contentType = 'application/fhir+json'): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', retryAfter: res.headers.get('retry-after'), text, body: JSON.parse(text) as Answer['body'] };
}

/** A new version of every resource (alone or in a Bundle): new event ids, so each test's are its own. */
function version<T extends Resource>(resource: T, v: string): T {
  if (resource.resourceType === 'Bundle') {
    for (const e of resource.entry ?? []) if (e.resource) version(e.resource, v);
  } else {
    resource.meta = { ...resource.meta, versionId: v };
  }
  return resource;
}

/** The event ids an OperationOutcome of an accepted resource names. */
function acceptedIds(outcome: Partial<OperationOutcome> | undefined): string[] {
  return (outcome?.issue ?? []).map((i) => /(fhir-[0-9a-f]{32})/.exec(i.diagnostics ?? '')?.[1] ?? '');
}

function assertOutcome(answer: Answer, status: number, code: string, expression?: string): void {
  assert.equal(answer.status, status, answer.text);
  assert.match(answer.contentType, /^application\/fhir\+json/);
  assert.equal(answer.body.resourceType, 'OperationOutcome');
  const issue = answer.body.issue?.find((i) => i.code === code && (expression === undefined || i.expression?.includes(expression)));
  assert.ok(issue, `expected ${code} ${expression ?? ''} in ${answer.text}`);
  assert.equal(containsCanary(answer.text), undefined, `answer leaks ${containsCanary(answer.text)}: ${answer.text}`);
}

describe('FHIR intake against a real broker', () => {
  let topology: Topology;
  let producer: EventProducer;
  let app: FastifyInstance;
  let base: string;
  // Records expected per event id (a discharge goes to two topics), and ids that must never appear.
  const written = new Map<string, number>();
  const never = new Set<string>();

  async function assertTopics(): Promise<void> {
    const topics = ['hl7-adt-events', 'lab-results', 'clinical-orders', 'discharge-events'].map((t) => topicOf(topology, t));
    const expected = [...written.values()].reduce((a, b) => a + b, 0);
    // One more than expected: the read waits until the topics are quiet, so a stray record shows.
    const records = await readRecords(topics, expected + 1, 3_000);
    const seen = new Map<string, number>();
    for (const r of records) seen.set(r.headers.ce_id ?? '', (seen.get(r.headers.ce_id ?? '') ?? 0) + 1);
    assert.deepEqual(Object.fromEntries([...seen].sort()), Object.fromEntries([...written].sort()));
    for (const id of never) assert.ok(!seen.has(id), `${id} must not be written`);
  }

  before(async () => {
    topology = await provisionedTopology();
    producer = new EventProducer({ ...testConnection(), clientId: 'vigil-test-fhir', topology, ackTimeoutMs: 30_000 });
    // The JSON intake's app, as the gateway serves both: the FHIR plugin keeps its own errors.
    app = buildIntake({ producer, topology });
    registerFhirRoutes(app, { producer, topology, mapOptions: options });
    base = `${await app.listen({ host: '127.0.0.1', port: 0 })}/fhir`;
  });
  after(async () => {
    await app.close();
    await producer.close();
  });

  it('answers 202 only for resources whose events are on their topics afterwards', async () => {
    let res = await post(`${base}/ServiceRequest`, JSON.stringify(version(ctOrder(), 'r1')), 'application/json');
    assertOutcome(res, 202, 'informational');
    assert.equal(res.body.issue?.[0]?.severity, 'information');
    assert.match(res.body.issue?.[0]?.diagnostics ?? '', /^accepted as order event fhir-[0-9a-f]{32}$/);
    for (const id of acceptedIds(res.body)) written.set(id, 1);

    // A discharge goes to the ADT topic and to the discharge topic.
    res = await post(`${base}/Encounter`, JSON.stringify(version(finishedEncounter(), 'r1')), 'application/fhir+json; fhirVersion=4.0; charset=utf-8');
    assertOutcome(res, 202, 'informational');
    for (const id of acceptedIds(res.body)) written.set(id, 2);

    // Re-posting the same version is accepted again with the same event id: consumers deduplicate.
    const first = acceptedIds((await post(`${base}/Observation`, JSON.stringify(version(potassium(), 'r1')))).body);
    const again = await post(`${base}/Observation`, JSON.stringify(version(potassium(), 'r1')));
    assertOutcome(again, 202, 'informational');
    assert.deepEqual(acceptedIds(again.body), first);
    for (const id of first) written.set(id, 2);

    const orphan = omit(version(potassium(), 'r2'), 'subject');
    res = await post(`${base}/Observation`, JSON.stringify(orphan));
    assertOutcome(res, 400, 'required', 'Observation.subject');
    await assertTopics();
  });

  it('writes a transaction whole, or nothing of it when one entry is invalid', async () => {
    const good = version(transaction(), 't1');
    let res = await post(base, JSON.stringify(good));
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.resourceType, 'Bundle');
    assert.equal(res.body.type, 'transaction-response');
    assert.deepEqual(
      res.body.entry?.map((e) => e.response?.status),
      Array(7).fill('202 Accepted'),
    );
    const ids = res.body.entry?.flatMap((e) => acceptedIds(e.response?.outcome as OperationOutcome).filter((id) => id !== '')) ?? [];
    assert.equal(ids.length, 6);
    for (const id of ids) written.set(id, 1);

    const bad = version(transaction(), 't2');
    const report = bad.entry?.[3]?.resource as { result: { reference: string }[] };
    report.result.push({ reference: `urn:uuid:${CANARY.mrn}` });
    // What the valid entries would have become: none of it may reach Kafka.
    for (const e of mapFhirBundle(bad, options).entries) for (const ev of e.events) never.add(ev.event_id);
    assert.equal(never.size, 5);
    res = await post(base, JSON.stringify(bad));
    assertOutcome(res, 400, 'not-found', 'Bundle.entry[3].resource.result[3]');
    await assertTopics();
  });

  it('answers a batch entry by entry and writes only the valid entries', async () => {
    const batch = version(transaction('batch'), 'b1');
    delete (batch.entry?.[2]?.resource as { subject?: unknown }).subject;
    // The report is refused, and with it the Observation it carries (entry 4).
    delete (batch.entry?.[3]?.resource as { status?: unknown }).status;
    const res = await post(base, JSON.stringify(batch));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.type, 'batch-response');
    assert.deepEqual(
      res.body.entry?.map((e) => e.response?.status),
      ['202 Accepted', '202 Accepted', '400 Bad Request', '400 Bad Request', '400 Bad Request', '202 Accepted', '202 Accepted'],
    );
    const outcome = (i: number) => res.body.entry?.[i]?.response?.outcome as OperationOutcome;
    assert.deepEqual(outcome(2).issue.map((i) => [i.code, i.expression]), [['required', ['Bundle.entry[2].resource.subject']]]);
    assert.deepEqual(outcome(3).issue.map((i) => [i.code, i.expression]), [['required', ['Bundle.entry[3].resource.status']]]);
    assert.deepEqual(outcome(4).issue.map((i) => i.expression), [['Bundle.entry[4].resource']]);
    for (const i of [0, 1, 5, 6]) for (const id of acceptedIds(outcome(i))) written.set(id, 1);
    assert.equal(containsCanary(res.text), undefined);
    await assertTopics();
  });

  it('answers every error as an OperationOutcome without echoing the request', async () => {
    assertOutcome(await post(`${base}/Condition`, JSON.stringify({ resourceType: 'Condition' })), 404, 'not-supported');
    assertOutcome(await post(`${base}/ZZCANARY`, JSON.stringify({ resourceType: 'ZZCANARY' })), 404, 'not-supported');
    assertOutcome(await post(`${base}/Observation`, JSON.stringify(ctOrder())), 400, 'invalid', 'Observation.resourceType');
    assertOutcome(await post(`${base}/Observation`, `{"resourceType": "Observation", "id": "${CANARY.mrn}", `), 400, 'structure');
    assertOutcome(await post(`${base}/Observation`, `[${CANARY.name}]`, 'application/json'), 400, 'structure');
    assertOutcome(await post(`${base}/Observation`, `"${CANARY.note}"`), 400, 'structure');
    assertOutcome(await post(`${base}/Observation`, ''), 400, 'required');
    assertOutcome(await post(`${base}/Observation`, `{"resourceType": "Observation", "__proto__": {"id": "${CANARY.mrn}"}}`), 400, 'structure');
    assertOutcome(await post(`${base}/Observation`, CANARY.note, 'text/plain'), 415, 'not-supported');
    assertOutcome(await post(`${base}/Observation`, '<Observation/>', 'application/fhir+xml'), 415, 'not-supported');
    assertOutcome(await post(base, JSON.stringify(version(potassium(), 'e1'))), 400, 'invalid', 'Bundle.resourceType');
    assertOutcome(await post(`${base}/Patient`, JSON.stringify({ resourceType: 'Patient', id: 'p', birthDate: CANARY.dob })), 400, 'value', 'Patient.birthDate');
    const res = await fetch(`${base}/Patient?name=${encodeURIComponent(CANARY.name)}`);
    const text = await res.text();
    assert.equal(res.status, 404);
    assert.equal((JSON.parse(text) as OperationOutcome).resourceType, 'OperationOutcome');
    assert.equal(containsCanary(text), undefined);
    // The JSON intake beside it keeps its own error format.
    const events = await fetch(`${base.replace(/\/fhir$/, '')}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    assert.deepEqual([events.status, await events.json()], [400, { error: 'body must be valid JSON' }]);
  });

  it('never answers 202 while Kafka cannot acknowledge', async () => {
    // A port nobody listens on: the producer cannot reach a broker.
    const deadPort = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const deadProducer = new EventProducer({ bootstrap: [`127.0.0.1:${deadPort}`], clientId: 'vigil-test-fhir-dead', topology, ackTimeoutMs: 1_500 });
    const deadApp = buildIntake({ producer: deadProducer, topology });
    registerFhirRoutes(deadApp, { producer: deadProducer, topology, mapOptions: options });
    const deadBase = `${await deadApp.listen({ host: '127.0.0.1', port: 0 })}/fhir`;
    try {
      let res = await post(`${deadBase}/Observation`, JSON.stringify(version(potassium(), 'd1')));
      assertOutcome(res, 503, 'transient');
      assert.equal(res.retryAfter, '5');
      res = await post(deadBase, JSON.stringify(version(transaction(), 'd1')));
      assertOutcome(res, 503, 'transient');
      res = await post(deadBase, JSON.stringify(version(transaction('batch'), 'd1')));
      assertOutcome(res, 503, 'transient');
    } finally {
      await deadApp.close();
      await deadProducer.close(true);
    }
  });
});
