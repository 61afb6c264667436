import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { brokerAnswers } from '../../src/kafka/local-broker.ts';
import { runCli } from '../support/cli.ts';

describe('./vigil kafka start|status|stop', () => {
  const home = mkdtempSync(join(tmpdir(), 'vigil-home-'));
  // No configured cluster, free ports, state in a temp home: a second broker of its own.
  const env = { KAFKA_BROKERS: '', VIGIL_HOME: home, VIGIL_KAFKA_PORT: '0' };
  after(async () => {
    await runCli(['kafka', 'stop'], env);
    rmSync(home, { recursive: true, force: true });
  });

  it('reports a stopped broker', async () => {
    const res = await runCli(['kafka', 'status'], env);
    assert.equal(res.code, 1);
    assert.match(res.stdout, /not running/);
  });

  it('starts a KRaft broker that answers, is idempotent, and stops cleanly', async () => {
    const start = await runCli(['kafka', 'start'], env);
    assert.equal(start.code, 0, start.stderr);
    const [, bootstrap] = start.stdout.match(/Kafka broker started: (127\.0\.0\.1:\d+)/) ?? [];
    assert.ok(bootstrap, start.stdout);
    assert.equal(await brokerAnswers(bootstrap), true);
    assert.ok(existsSync(join(home, 'kafka', 'data', 'meta.properties')), 'KRaft storage formatted in the home folder');

    const again = await runCli(['kafka', 'start'], env);
    assert.match(again.stdout, new RegExp(`already running: ${bootstrap}`));
    const status = await runCli(['kafka', 'status'], env);
    assert.equal(status.code, 0);
    assert.match(status.stdout, new RegExp(`running on ${bootstrap}`));

    const stop = await runCli(['kafka', 'stop'], env);
    assert.match(stop.stdout, /Kafka broker stopped/);
    assert.equal(await brokerAnswers(bootstrap, 500), false);

    // Data survives: a restart reuses the formatted storage and the same port.
    const restart = await runCli(['kafka', 'start'], env);
    assert.match(restart.stdout, new RegExp(`Kafka broker started: ${bootstrap}`));
    assert.doesNotMatch(restart.stderr, /formatted/);
  });
});
