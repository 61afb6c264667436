// ai-result-interpretation as the main job wires it with an LLM endpoint configured: real broker,
// timeline, store, and the fake OpenAI-compatible endpoint. The interpretation on the output topic
// is the LLM's, nothing identifying reached the endpoint, and an event processed again after its
// decision was lost (a crash between the answer and the commit) does not call the endpoint again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resultInterpretationWorker, timelineWorker } from '../../src/app/workers.ts';
import { type ClinicalEvent, validateEvent } from '../../src/event/envelope.ts';
import { SYSTEM } from '../../src/event/payloads.ts';
import { createLlmClient } from '../../src/llm/client.ts';
import { llmInterpretationNarrator } from '../../src/processors/interpretation-narrator.ts';
import type { WorkerDeclaration } from '../../src/runtime/worker.ts';
import type { Database } from '../../src/store/db.ts';
import { storeLlmCache } from '../../src/store/llm-cache.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { CANARY, containsCanary } from '../support/canary.ts';
import { type FakeOpenAI, type RecordedRequest, startFakeOpenAI } from '../support/fake-openai.ts';
import { readRecords, topicOf, uniqueSuffix, waitFor } from '../support/kafka.ts';
import { type WorkerHarness, startWorkers } from '../support/workers.ts';

describe('ai-result-interpretation worker with an LLM endpoint', () => {
  let topology: Topology;
  let db: Database;
  let fake: FakeOpenAI;
  let narrator: ReturnType<typeof llmInterpretationNarrator>;
  let harness: WorkerHarness;
  const start = (decl: WorkerDeclaration) => harness.start(decl);

  before(async () => {
    harness = await startWorkers((t) => [timelineWorker(t)]);
    ({ topology, db } = harness);
    fake = await startFakeOpenAI();
    // A model that keeps the drafts, marked as its own.
    fake.respond = (req: RecordedRequest) => {
      const data = JSON.parse(req.body.messages[1]?.content ?? '{}') as { findings: { draft_clinician: string; draft_plain: string }[] };
      return { content: JSON.stringify({ findings: data.findings.map((f) => ({ clinician: `LLM: ${f.draft_clinician}`, plain: f.draft_plain })) }) };
    };
    const llm = createLlmClient(
      { baseUrl: fake.baseUrl, model: 'fake-interp', apiKey: null, baa: false, timeoutMs: 10_000, maxRetries: 1, concurrency: 2, ratePerSecond: 50 },
      { cache: storeLlmCache(db) },
    );
    narrator = llmInterpretationNarrator(llm);
  });
  after(async () => {
    await harness.close();
    await fake.close();
  });

  const send = (e: ClinicalEvent) => harness.send(e);
  type Output = { source_event_id: string; method: string; model?: string; findings: { explanation_clinician: string }[] };
  const outputs = async (id: string) =>
    (await readRecords([topicOf(topology, 'ai-result-interpretations')], 1_000, 1_000)).map((r) => JSON.parse(r.value.toString()) as Output).filter((o) => o.source_event_id === id);

  it('phrases with the LLM, sends nothing identifying, and never asks twice for one event', async () => {
    const run = uniqueSuffix();
    const event = validateEvent({
      event_id: `${run}-na`, event_type: 'lab_result', patient_id: `pt-${run}`, encounter_id: `E-${run}`, event_timestamp: '2026-11-26T09:00:00Z',
      payload: {
        source: { format: 'json' },
        patient: { identifiers: [{ value: CANARY.mrn, type: 'MR' }], name: { family: 'ZZCANARY', given: ['Zed'] }, birthDate: '1948-01-01' },
        observations: [{ code: { system: SYSTEM.loinc, code: '2951-2' }, value: 128, valueType: 'NM', units: 'mmol/L', abnormalFlags: [], status: 'F', observedAt: '2026-11-26T09:00:00Z' }],
      },
    });
    const first = await start(resultInterpretationWorker(topology, db, narrator));
    await send(event);
    await waitFor('the interpretation', async () => (await outputs(event.event_id)).length > 0);
    const [out] = await outputs(event.event_id);
    assert.equal(out?.method, 'llm');
    assert.equal(out?.model, 'fake-interp');
    assert.match(out?.findings[0]?.explanation_clinician ?? '', /^LLM: Sodium 128 mmol\/L/);
    assert.equal(fake.requests.length, 1);
    const sent = fake.allSent();
    assert.equal(containsCanary(sent), undefined);
    for (const leaked of [`pt-${run}`, `E-${run}`, '2026-11-26', '1948']) assert.ok(!sent.includes(leaked), leaked);

    // The decision is lost (as after a crash before the commit) and the event comes again to a new
    // worker: the answer is read from the store.
    await first.stop();
    harness.runtimes.splice(harness.runtimes.indexOf(first), 1);
    await db.query('DELETE FROM effects WHERE event_id = $1', [event.event_id]);
    await db.query('DELETE FROM ai_outputs WHERE event_id = $1', [event.event_id]);
    await start(resultInterpretationWorker(topology, db, narrator));
    await send(event);
    await waitFor('the decision again', async () => (await db.query('SELECT 1 FROM ai_outputs WHERE event_id = $1', [event.event_id])).length > 0);
    assert.equal(fake.requests.length, 1, 'no second request');
    const [row] = await db.query<{ record: Output }>('SELECT record FROM ai_outputs WHERE event_id = $1', [event.event_id]);
    assert.equal(row?.record.method, 'llm');
  });
});
