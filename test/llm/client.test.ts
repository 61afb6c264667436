// The LLM client against a fake OpenAI-compatible endpoint on loopback (a real HTTP server) and
// the store (PGlite): what leaves for a non-BAA endpoint, retries, refusals, timeouts, the answer
// cache and the token metrics.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import client from 'prom-client';
import { type LlmClientOptions, type LlmRequest, LlmError, createLlmClient } from '../../src/llm/client.ts';
import type { LlmSettings } from '../../src/llm/settings.ts';
import { identityOf } from '../../src/phi/deidentify.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import { storeLlmCache } from '../../src/store/llm-cache.ts';
import { CANARY, containsCanary } from '../support/canary.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';

const ADDRESS = '12 Canaryfield Lane';
const EVENT_TIME = '2026-11-26T08:30:00-05:00';
const ADMITTED = '2026-11-23T06:15:00-05:00';

const payload = {
  patient: { identifiers: [{ value: CANARY.mrn, type: 'MR' }], name: CANARY.name, birthDate: CANARY.dob, address: ADDRESS },
};

let models = 0;
/** A model id of its own per test, so metric values and cache keys do not mix. */
const freshModel = () => `fake-model-${process.pid}-${++models}`;

function request(eventId: string, more: Partial<LlmRequest> = {}): LlmRequest {
  return {
    processor: 'ai-test',
    eventId,
    messages: [
      { role: 'system', content: 'Summarise.' },
      { role: 'user', content: `Patient ${CANARY.name}, MRN ${CANARY.mrn}, born ${CANARY.dob}, of ${ADDRESS}, admitted ${ADMITTED}. Sodium 128 mmol/L.` },
    ],
    phi: { identity: identityOf(payload, ['P-1000']), referenceTime: EVENT_TIME },
    ...more,
  };
}

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = client.register.getSingleMetric(name);
  if (!m) return 0;
  const { values } = await m.get();
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
}

describe('LLM client', () => {
  let fake: FakeOpenAI;
  let db: Database;
  let settings: LlmSettings;
  const fast: LlmClientOptions['backoff'] = { initialMs: 5, maxMs: 20 };
  const make = (s: Partial<LlmSettings> = {}, o: LlmClientOptions = {}) => createLlmClient({ ...settings, ...s }, { backoff: fast, ...o });

  before(async () => {
    fake = await startFakeOpenAI();
    db = await openDatabase({});
  });
  after(async () => {
    await fake.close();
    await db.close();
  });
  beforeEach(() => {
    fake.reset();
    settings = { baseUrl: fake.baseUrl, model: freshModel(), apiKey: 'test-key', baa: false, timeoutMs: 5_000, maxRetries: 2, concurrency: 4, ratePerSecond: 1_000 };
  });

  it('sends no name, MRN, birth date, address or exact date to an endpoint no BAA covers', async () => {
    const answer = await make().complete(request('evt-1'));
    assert.equal(answer.text, 'ok');
    assert.equal(fake.requests.length, 1);
    const sent = fake.allSent();
    assert.equal(containsCanary(sent), undefined, sent);
    for (const leaked of [ADDRESS, 'Canaryfield', '2026-11-23', '06:15', 'P-1000']) assert.ok(!sent.includes(leaked), leaked);
    const user = fake.requests[0]?.body.messages[1]?.content ?? '';
    assert.match(user, /admitted day -3\. Sodium 128 mmol\/L\./, 'the clinical content goes, with the date as a day');
    assert.equal(fake.requests[0]?.body.model, settings.model);
    assert.equal(fake.requests[0]?.headers.authorization, 'Bearer test-key');
  });

  it('sends the prompt as written to a BAA-covered endpoint', async () => {
    await make({ baa: true }).complete(request('evt-1'));
    const sent = fake.requests[0]?.body.messages[1]?.content ?? '';
    for (const value of [CANARY.name, CANARY.mrn, CANARY.dob, ADDRESS, ADMITTED]) assert.ok(sent.includes(value), value);
  });

  it('retries a 429 and a 500, then answers; each attempt is counted', async () => {
    fake.enqueue({ status: 429 }, { status: 500 });
    const answer = await make().complete(request('evt-1'));
    assert.equal(answer.text, 'ok');
    assert.equal(fake.requests.length, 3);
    assert.equal(await metric('vigil_llm_requests_total', { model: settings.model, outcome: 'rate_limited' }), 1);
    assert.equal(await metric('vigil_llm_requests_total', { model: settings.model, outcome: 'server_error' }), 1);
    assert.equal(await metric('vigil_llm_requests_total', { model: settings.model, outcome: 'ok' }), 1);
  });

  it('gives up after its bounded retries with a retryable error', async () => {
    fake.enqueue({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
    const err = await make().complete(request('evt-1')).catch((e: unknown) => e);
    assert.ok(err instanceof LlmError);
    assert.equal(err.failure, 'server_error');
    assert.equal(err.status, 503);
    assert.equal(err.attempts, 3, 'one try and maxRetries 2');
    assert.equal(err.retryable, true);
    assert.equal(fake.requests.length, 3);
  });

  it('does not retry a 400, and its error names no prompt content', async () => {
    fake.enqueue({ status: 400 });
    const err = await make().complete(request('evt-1')).catch((e: unknown) => e);
    assert.ok(err instanceof LlmError);
    assert.equal(err.failure, 'rejected');
    assert.equal(err.retryable, false);
    assert.equal(fake.requests.length, 1);
    assert.equal(containsCanary(`${err.message} ${err.stack ?? ''}`), undefined);
  });

  it('times out a slow answer, and retries it', async () => {
    fake.enqueue({ delayMs: 3_000 });
    const failed = await make({ timeoutMs: 200, maxRetries: 0 }).complete(request('evt-1')).catch((e: unknown) => e);
    assert.ok(failed instanceof LlmError);
    assert.equal(failed.failure, 'timeout');
    assert.equal(await metric('vigil_llm_requests_total', { model: settings.model, outcome: 'timeout' }), 1);

    fake.requests.length = 0;
    fake.enqueue({ delayMs: 3_000 });
    const answer = await make({ timeoutMs: 200, maxRetries: 1 }).complete(request('evt-2'));
    assert.equal(answer.text, 'ok');
    assert.equal(fake.requests.length, 2);
  });

  it('stops at once when the caller aborts (a stopping worker), without retrying', async () => {
    fake.enqueue({ delayMs: 3_000 });
    const stop = new AbortController();
    const pending = make().complete(request('evt-1', { signal: stop.signal })).catch((e: unknown) => e);
    while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    stop.abort();
    const err = await pending;
    assert.ok(err instanceof LlmError);
    assert.equal(err.failure, 'aborted');
    assert.equal(fake.requests.length, 1);
  });

  it('answers a second time from the store: no second request for (processor, event, model), even after a restart', async () => {
    fake.respond = () => ({ content: 'the answer' });
    const cache = storeLlmCache(db);
    const first = await make({}, { cache }).complete(request('evt-cached'));
    const again = await make({}, { cache }).complete(request('evt-cached'));
    assert.equal(fake.requests.length, 1);
    assert.deepEqual([first.cached, again.cached], [false, true]);
    assert.equal(again.text, 'the answer');
    assert.equal(await metric('vigil_llm_requests_total', { model: settings.model, outcome: 'cached' }), 1);

    // Another event, processor or model is another answer.
    await make({}, { cache }).complete(request('evt-other'));
    await make({}, { cache }).complete(request('evt-cached', { processor: 'ai-other' }));
    await make({ model: freshModel() }, { cache }).complete(request('evt-cached'));
    assert.equal(fake.requests.length, 4);
    const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM llm_answers WHERE event_id = $1', ['evt-cached']);
    assert.equal(row?.n, 3);
  });

  it('keeps no answer for a failed request', async () => {
    const cache = storeLlmCache(db);
    fake.enqueue({ status: 400 });
    await assert.rejects(make({}, { cache }).complete(request('evt-failed')), LlmError);
    await make({}, { cache }).complete(request('evt-failed'));
    assert.equal(fake.requests.length, 2);
  });

  it('counts the tokens the endpoint reports', async () => {
    fake.respond = () => ({ content: 'ok', usage: { prompt_tokens: 40, completion_tokens: 12 } });
    const llm = make();
    await llm.complete(request('evt-1'));
    await llm.complete(request('evt-2'));
    assert.equal(await metric('vigil_llm_tokens_total', { model: settings.model, kind: 'prompt' }), 80);
    assert.equal(await metric('vigil_llm_tokens_total', { model: settings.model, kind: 'completion' }), 24);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    fake.respond = () => ({ content: 'ok', delayMs: 150 });
    const llm = make({ concurrency: 2 });
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => llm.complete(request(`evt-${n}`))));
    assert.equal(answers.length, 5);
    assert.equal(fake.requests.length, 5);
    assert.ok(fake.peakInFlight <= 2, `peak ${fake.peakInFlight}`);
  });

  it('refuses an empty answer as invalid, without retrying', async () => {
    fake.enqueue({ content: '' });
    const err = await make().complete(request('evt-1')).catch((e: unknown) => e);
    assert.ok(err instanceof LlmError);
    assert.equal(err.failure, 'invalid_answer');
    assert.equal(fake.requests.length, 1);
  });
});
