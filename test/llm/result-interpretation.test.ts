// ai-result-interpretation with a narrator: the same findings as the deterministic path, the texts
// from the LLM, the model recorded; the deterministic text (flagged) when the LLM fails. First with
// an in-process narrator, then with the real LLM narrator over the fake endpoint and the store.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { loadInterpretationRules } from '../../src/clinical/interpretation/load-rules.ts';
import type { ClinicalEvent } from '../../src/event/envelope.ts';
import type { Observation } from '../../src/event/payloads.ts';
import { createLlmClient } from '../../src/llm/client.ts';
import { LlmError } from '../../src/llm/errors.ts';
import type { LlmSettings } from '../../src/llm/settings.ts';
import type { PatientHistory } from '../../src/processors/history.ts';
import { llmInterpretationNarrator, parseNarrations } from '../../src/processors/interpretation-narrator.ts';
import {
  type InterpretationNarrator,
  type InterpretationRecord,
  narratedResultInterpretationProcessor,
  resultInterpretationProcessor,
} from '../../src/processors/result-interpretation.ts';
import type { Decision } from '../../src/runtime/worker.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import { storeLlmCache } from '../../src/store/llm-cache.ts';
import { earlier, obs, patient, T0 } from '../clinical/interpretation-fixtures.ts';
import { CANARY, containsCanary } from '../support/canary.ts';
import { type FakeOpenAI, type RecordedRequest, startFakeOpenAI } from '../support/fake-openai.ts';

const rules = loadInterpretationRules();
const deterministic = resultInterpretationProcessor({ rules });

const PATIENT_ID = 'P-CANARY-4412';
const ENCOUNTER_ID = 'ENC-CANARY-9';
const ADDRESS = '12 Canaryfield Lane';

function labEvent(observations: Observation[], eventId: string): ClinicalEvent {
  return {
    event_id: eventId,
    event_type: 'lab_result',
    patient_id: PATIENT_ID,
    encounter_id: ENCOUNTER_ID,
    event_timestamp: T0,
    payload: {
      source: { format: 'hl7v2' },
      patient: { identifiers: [{ value: CANARY.mrn, type: 'MR' }], name: { family: 'ZZCANARY', given: ['Zed'] }, birthDate: '1931-02-28', address: ADDRESS },
      order: { placerNumber: 'ORD-CANARY-1' },
      observations: observations as unknown as Record<string, unknown>[],
    },
  };
}

const range = (low: number, high: number) => ({ referenceRange: { low, high, text: `${low}-${high}` } });

/** AKI with a creatinine 30 h earlier, a low sodium and an anaemia: three findings. */
function report(eventId: string): { event: ClinicalEvent; history: PatientHistory } {
  const event = labEvent([obs('2160-0', 2.1, 'mg/dL', range(0.6, 1.1)), obs('2951-2', 127, 'mmol/L', range(136, 145)), obs('718-7', 9.8, 'g/dL', range(12, 15.5))], eventId);
  const history = { ...patient({ sex: 'female', age: 67, observations: [earlier('2160-0', 1.0, 'mg/dL', 30, range(0.6, 1.1))] }), patientId: PATIENT_ID };
  return { event, history };
}

const record = (d: Decision): InterpretationRecord => d.outputs?.[0]?.value as unknown as InterpretationRecord;

/** The findings without their texts: what the rules decided. */
const judged = (r: InterpretationRecord) => r.findings.map((f) => ({ rule: f.rule, severity: f.severity, codes: f.codes, values: f.values, facts: f.facts }));

describe('result interpretation with a narrator', () => {
  it('keeps the findings, takes the texts from the narrator and records the model', async () => {
    const narrator: InterpretationNarrator = {
      model: 'stub-model',
      narrate: async ({ findings }) => findings.map((_, i) => ({ clinician: `clinician ${i}`, plain: `plain ${i}` })),
    };
    const { event, history } = report('evt-1');
    const d = await narratedResultInterpretationProcessor({ rules, narrator })(event, history);
    const base = record(deterministic(event, history));
    const r = record(d);
    assert.equal(r.method, 'llm');
    assert.equal(r.model, 'stub-model');
    assert.equal(r.llm_failure, undefined);
    assert.deepEqual(judged(r), judged(base));
    assert.deepEqual(r.findings.map((f) => [f.explanation_clinician, f.explanation_plain]), base.findings.map((_, i) => [`clinician ${i}`, `plain ${i}`]));
    assert.deepEqual(d.writes, [{ output_id: r.interpretation_id, rule_id: r.findings[0]?.rule.id, at: T0, record: r }]);
  });

  it('falls back to the deterministic text, flagged, when the LLM fails', async () => {
    const narrator: InterpretationNarrator = { model: 'stub-model', narrate: () => Promise.reject(new LlmError('timeout', { attempts: 3 })) };
    const { event, history } = report('evt-1');
    const r = record(await narratedResultInterpretationProcessor({ rules, narrator })(event, history));
    assert.deepEqual(r, { ...record(deterministic(event, history)), model: 'stub-model', llm_failure: 'timeout' });
  });

  it('throws, for the runtime to retry, when the worker stops or something else than the LLM fails', async () => {
    const { event, history } = report('evt-1');
    const aborted: InterpretationNarrator = { model: 'm', narrate: () => Promise.reject(new LlmError('aborted')) };
    await assert.rejects(narratedResultInterpretationProcessor({ rules, narrator: aborted })(event, history), LlmError);
    const storeDown: InterpretationNarrator = { model: 'm', narrate: () => Promise.reject(new Error('connection terminated')) };
    await assert.rejects(narratedResultInterpretationProcessor({ rules, narrator: storeDown })(event, history), /connection terminated/);
  });

  it('asks nothing for an event with nothing to say', async () => {
    let asked = 0;
    const narrator: InterpretationNarrator = { model: 'm', narrate: async () => (asked++, []) };
    const normal = labEvent([obs('2951-2', 140, 'mmol/L', range(136, 145))], 'evt-normal');
    assert.deepEqual(await narratedResultInterpretationProcessor({ rules, narrator })(normal, patient({ sex: 'female' })), {});
    assert.equal(asked, 0);
  });

  it('refuses an answer of the wrong shape or with numbers the facts do not hold', () => {
    const grounded = [{ facts: { value: 127, threshold: 130 } }];
    assert.deepEqual(parseNarrations('```json\n{"findings":[{"clinician":"Sodium 127, below 130.","plain":"Your sodium is 127."}]}\n```', grounded), [
      { clinician: 'Sodium 127, below 130.', plain: 'Your sodium is 127.' },
    ]);
    for (const bad of ['not json', '{"findings":[]}', '{"findings":[{"clinician":"x"}]}', '{"findings":[{"clinician":"Sodium 117.","plain":"Low."}]}']) {
      assert.throws(() => parseNarrations(bad, grounded), (e: unknown) => e instanceof LlmError && e.failure === 'invalid_answer', bad);
    }
  });
});

describe('result interpretation with the LLM narrator over an OpenAI-compatible endpoint', () => {
  let fake: FakeOpenAI;
  let db: Database;
  let n = 0;
  /** A model of its own per test (cache keys), the same for every call within it. */
  const settings = (baa: boolean): LlmSettings => ({ baseUrl: fake.baseUrl, model: `interp-model-${n}`, apiKey: null, baa, timeoutMs: 5_000, maxRetries: 1, concurrency: 2, ratePerSecond: 100 });
  const processor = (baa: boolean) =>
    narratedResultInterpretationProcessor({ rules, narrator: llmInterpretationNarrator(createLlmClient(settings(baa), { cache: storeLlmCache(db), backoff: { initialMs: 5, maxMs: 20 } })) });

  /** A model that rewords the drafts: "LLM:" before the clinician draft, the plain draft as is. */
  const rewording = (req: RecordedRequest) => {
    const data = JSON.parse(req.body.messages[1]?.content ?? '{}') as { findings: { draft_clinician: string; draft_plain: string }[] };
    return { content: JSON.stringify({ findings: data.findings.map((f) => ({ clinician: `LLM: ${f.draft_clinician}`, plain: f.draft_plain })) }) };
  };

  before(async () => {
    fake = await startFakeOpenAI();
    db = await openDatabase({});
  });
  after(async () => {
    await fake.close();
    await db.close();
  });
  beforeEach(() => {
    n++;
    fake.reset();
    fake.respond = rewording;
  });

  it('writes the texts with the LLM from de-identified facts, and a replay asks nothing again', async () => {
    const { event, history } = report('evt-llm-1');
    const run = processor(false);
    const d = await run(event, history);
    const r = record(d);
    assert.equal(r.method, 'llm');
    assert.equal(r.model, `interp-model-${n}`);
    assert.ok(r.findings.every((f) => f.explanation_clinician.startsWith('LLM: ')));
    assert.deepEqual(judged(r), judged(record(deterministic(event, history))));

    assert.equal(fake.requests.length, 1, 'one request per event');
    const sent = fake.allSent();
    assert.equal(containsCanary(sent), undefined, 'no name, MRN, ids or keys');
    for (const leaked of [ADDRESS, PATIENT_ID, ENCOUNTER_ID, '2025-', '1931', 'evt-']) assert.ok(!sent.includes(leaked), leaked);
    const user = JSON.parse(fake.requests[0]?.body.messages[1]?.content ?? '{}') as { patient: Record<string, unknown> };
    assert.deepEqual(user.patient, { sex: 'female', ageBand: '60-69' });
    assert.match(sent, /day -1/, 'the earlier creatinine as a day');

    // A replay (or a retry after a crash before commit) finds the answer in the store.
    assert.deepEqual(await processor(false)(event, history), d);
    assert.equal(fake.requests.length, 1);
  });

  it('sends exact times and age to a BAA-covered endpoint, and still no name or MRN (not needed)', async () => {
    const { event, history } = report('evt-llm-2');
    assert.equal(record(await processor(true)(event, history)).method, 'llm');
    const sent = fake.allSent();
    assert.ok(sent.includes(T0), 'exact observation time');
    const user = JSON.parse(fake.requests[0]?.body.messages[1]?.content ?? '{}') as { patient: Record<string, unknown> };
    assert.deepEqual(user.patient, { sex: 'female', age: 67 });
    assert.equal(containsCanary(sent), undefined);
  });

  it('keeps the deterministic text, flagged, when the endpoint keeps failing or answers nonsense', async () => {
    const { event, history } = report('evt-llm-3');
    fake.enqueue({ status: 500 }, { status: 500 });
    const failed = record(await processor(false)(event, history));
    assert.deepEqual(failed, { ...record(deterministic(event, history)), model: `interp-model-${n}`, llm_failure: 'server_error' });
    assert.equal(fake.requests.length, 2, 'one try and one retry');

    fake.respond = () => ({ content: 'I cannot help with that.' });
    const nonsense = record(await processor(false)(report('evt-llm-4').event, history));
    assert.equal(nonsense.method, 'deterministic');
    assert.equal(nonsense.llm_failure, 'invalid_answer');
  });
});
