// The discharge summary's LLM narrative against a fake OpenAI-compatible endpoint (a real HTTP
// server on loopback) and a PGlite timeline: what leaves for a non-BAA endpoint (no canary name or
// MRN, no calendar date), the narrative in the Composition, the fallback to the deterministic
// document on a bad or failed answer, and the answer cache.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Composition } from '@medplum/fhirtypes';
import { type LlmSettings } from '../../src/llm/settings.ts';
import { createLlmClient } from '../../src/llm/client.ts';
import { llmDischargeNarrator, parseNarrative } from '../../src/processors/discharge-narrator.ts';
import { NARRATIVE_EXTENSION, dischargeSummaryProcessor, narratedDischargeSummaryProcessor } from '../../src/processors/discharge-summary.ts';
import type { EncounterRecord } from '../../src/processors/encounter-record.ts';
import { projectEvent } from '../../src/processors/patient-timeline.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import { loadEncounterRecord } from '../../src/store/encounter-record.ts';
import { storeLlmCache } from '../../src/store/llm-cache.ts';
import { applyTimelineWrites } from '../../src/store/timeline.ts';
import { CANARY, containsCanary } from '../support/canary.ts';
import { simulatedStay } from '../support/encounter.ts';
import { type FakeOpenAI, type RecordedRequest, startFakeOpenAI } from '../support/fake-openai.ts';

const stay = simulatedStay('narr');
const GROUNDED = { paragraphs: ['Admitted with heart failure. Potassium was 6.9 mmol/L, critical, and came back to 4.6 mmol/L.', 'Ibuprofen was stopped and furosemide re-ordered; magnesium is pending.'] };

let models = 0;
const freshModel = () => `fake-discharge-${process.pid}-${++models}`;
const extension = (c: Composition, url: string) => c.extension?.find((e) => e.url === url)?.valueString;
const userPrompt = (r: RecordedRequest | undefined) => r?.body.messages.find((m) => m.role === 'user')?.content ?? '';

describe('discharge summary narrative by an LLM', () => {
  let fake: FakeOpenAI;
  let db: Database;
  let record: EncounterRecord;
  const settings = (more: Partial<LlmSettings> = {}): LlmSettings => ({
    baseUrl: fake.baseUrl, model: freshModel(), apiKey: null, baa: false, timeoutMs: 5_000, maxRetries: 1, concurrency: 2, ratePerSecond: 100, ...more,
  });
  const narrated = (s: LlmSettings) =>
    narratedDischargeSummaryProcessor({ narrator: llmDischargeNarrator(createLlmClient(s, { cache: storeLlmCache(db), backoff: { initialMs: 5, maxMs: 20 } })) });
  const compositionOf = (d: Awaited<ReturnType<ReturnType<typeof narrated>>>) => d.outputs?.[0]?.value as unknown as Composition;

  before(async () => {
    fake = await startFakeOpenAI();
    db = await openDatabase({});
    for (const e of stay.events) await db.transaction((tx) => applyTimelineWrites(tx, projectEvent(e).writes ?? []));
    record = { ...(await loadEncounterRecord(db, stay.patientId, stay.encounterId, { processor: 'ai-discharge-summary', at: stay.discharge.event_timestamp })), complete: true };
  });
  beforeEach(() => {
    fake.reset();
    fake.respond = () => ({ content: JSON.stringify(GROUNDED) });
  });
  after(async () => {
    await fake.close();
    await db.close();
  });

  it('sends a non-BAA endpoint the sections de-identified (no canary, no ids, no dates) and puts its narrative in the Composition', async () => {
    const d = await narrated(settings())(stay.discharge, record);
    assert.equal(fake.requests.length, 1);
    const sent = fake.allSent();
    assert.equal(containsCanary(sent), undefined, 'no canary name, MRN or birth date left for the endpoint');
    for (const id of [CANARY.mrn, stay.patientId, stay.encounterId]) assert.ok(!sent.includes(id), id);
    assert.ok(!/\d{4}-\d{2}-\d{2}/.test(userPrompt(fake.requests[0])), 'dates become "day N"');
    assert.match(userPrompt(fake.requests[0]), /Potassium \(LOINC 2823-3\): 6\.9 mmol\/L, flags HH, critical/);
    assert.match(userPrompt(fake.requests[0]), /day -3/);

    const c = compositionOf(d);
    assert.equal(c.text?.status, 'additional');
    assert.match(c.text?.div ?? '', /<p>Admitted with heart failure\. Potassium was 6\.9 mmol\/L/);
    assert.equal(extension(c, NARRATIVE_EXTENSION.method), 'llm');
    // The structured sections are the deterministic ones, unchanged.
    const plain = dischargeSummaryProcessor()(stay.discharge, record).outputs?.[0]?.value as unknown as Composition;
    assert.deepEqual(c.section, plain.section);
    assert.deepEqual(d.writes?.[0]?.record, c);
  });

  it('keeps times for a BAA-covered endpoint', async () => {
    await narrated(settings({ baa: true }))(stay.discharge, record);
    assert.match(userPrompt(fake.requests[0]), /2026-11-20 11:00 UTC/);
    assert.equal(containsCanary(fake.allSent()), undefined, 'the sections hold no name or MRN in any case');
  });

  it('falls back to the deterministic document when the answer is ungrounded or the endpoint fails', async () => {
    fake.respond = () => ({ content: JSON.stringify({ paragraphs: ['Potassium was 9.9 mmol/L.'] }) });
    const ungrounded = compositionOf(await narrated(settings())(stay.discharge, record));
    assert.equal(ungrounded.text, undefined);
    assert.equal(extension(ungrounded, NARRATIVE_EXTENSION.method), 'deterministic');
    assert.equal(extension(ungrounded, NARRATIVE_EXTENSION.failure), 'invalid_answer');

    fake.respond = () => ({ status: 500 });
    const failed = compositionOf(await narrated(settings())(stay.discharge, record));
    assert.equal(extension(failed, NARRATIVE_EXTENSION.failure), 'server_error');
    assert.equal(fake.requests.length, 3, 'one request, then one retry of the failed one');
    assert.ok((failed.section?.length ?? 0) > 0);
  });

  it('asks the endpoint once per discharge and model: a replay reads the stored answer', async () => {
    const s = settings();
    const first = await narrated(s)(stay.discharge, record);
    const again = await narrated(s)(stay.discharge, record);
    assert.equal(fake.requests.length, 1);
    assert.deepEqual(again, first);
  });

  it('refuses answers that are not the expected JSON', () => {
    assert.throws(() => parseNarrative('no json here', {}), /invalid_answer/);
    assert.throws(() => parseNarrative('{"paragraphs": []}', {}), /invalid_answer/);
    assert.deepEqual(parseNarrative('```json\n{"paragraphs": ["Stay of 3 days."]}\n```', {}), ['Stay of 3 days.']);
  });
});
