// The llm section of the configuration: off by default, from the config file or VIGIL_LLM_*
// (variables win), and clear errors that name the setting, never its value.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-llm-config-'));
/** An environment with an empty checkout (no vigil.config.json) and these variables. */
const env = (vars: Record<string, string> = {}): NodeJS.ProcessEnv => ({ VIGIL_ROOT: dir, ...vars });

function withFile(llm: unknown): NodeJS.ProcessEnv {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ llm }));
  return env({ VIGIL_CONFIG: file });
}

describe('LLM configuration', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is off by default, with sane limits', () => {
    assert.deepEqual(loadConfig(env()).llm, { baseUrl: null, model: '', apiKey: null, baa: false, timeoutMs: 30_000, maxRetries: 2, concurrency: 4, ratePerSecond: 5 });
  });

  it('reads the config file, and the variables override it', () => {
    const fileEnv = withFile({ baseUrl: 'https://llm.example.internal/v1/', model: 'file-model', baa: true, timeoutMs: 10_000, maxRetries: 4, concurrency: 8, ratePerSecond: 0.5 });
    assert.deepEqual(loadConfig(fileEnv).llm, { baseUrl: 'https://llm.example.internal/v1', model: 'file-model', apiKey: null, baa: true, timeoutMs: 10_000, maxRetries: 4, concurrency: 8, ratePerSecond: 0.5 });
    const both = loadConfig({ ...fileEnv, VIGIL_LLM_BASE_URL: 'http://127.0.0.1:11434/v1', VIGIL_LLM_MODEL: 'env-model', VIGIL_LLM_API_KEY: 'sk-test', VIGIL_LLM_BAA: 'false', VIGIL_LLM_RETRIES: '0' }).llm;
    assert.equal(both.baseUrl, 'http://127.0.0.1:11434/v1');
    assert.equal(both.model, 'env-model');
    assert.equal(both.apiKey, 'sk-test');
    assert.equal(both.baa, false);
    assert.equal(both.maxRetries, 0);
    assert.equal(both.concurrency, 8);
  });

  it('refuses what it cannot use, naming the setting and the rule', () => {
    const cases: [NodeJS.ProcessEnv, RegExp][] = [
      [env({ VIGIL_LLM_BASE_URL: 'http://127.0.0.1:8000/v1' }), /llm\.model \(VIGIL_LLM_MODEL\): must be set/],
      [env({ VIGIL_LLM_BASE_URL: 'not a url', VIGIL_LLM_MODEL: 'm' }), /VIGIL_LLM_BASE_URL: must be an http or https URL/],
      [env({ VIGIL_LLM_BASE_URL: 'ftp://host/v1', VIGIL_LLM_MODEL: 'm' }), /VIGIL_LLM_BASE_URL: must be an http or https URL/],
      [env({ VIGIL_LLM_BASE_URL: 'https://user:secret@host/v1', VIGIL_LLM_MODEL: 'm' }), /without credentials/],
      [env({ VIGIL_LLM_BAA: 'yes' }), /VIGIL_LLM_BAA: must be true or false/],
      [env({ VIGIL_LLM_TIMEOUT_MS: '5' }), /llm\.timeoutMs: must be an integer/],
      [env({ VIGIL_LLM_RETRIES: '-1' }), /llm\.maxRetries: must be an integer/],
      [env({ VIGIL_LLM_CONCURRENCY: '0' }), /llm\.concurrency: must be an integer/],
      [env({ VIGIL_LLM_RATE: '0' }), /llm\.ratePerSecond: must be a number above 0/],
      [withFile({ baa: 'maybe' }), /llm\.baa: must be true or false/],
    ];
    for (const [e, message] of cases) {
      assert.throws(() => loadConfig(e), (err: unknown) => err instanceof ConfigError && message.test(err.message) && !err.message.includes('secret'), String(message));
    }
  });
});
