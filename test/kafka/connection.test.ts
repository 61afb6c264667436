import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { describeConnection, kafkaClientOptions, securityFromConfig } from '../../src/kafka/connection.ts';

describe('Kafka connection options', () => {
  it('is PLAINTEXT unless configured', () => {
    assert.equal(securityFromConfig(undefined, {}), undefined);
    assert.deepEqual(kafkaClientOptions({ bootstrap: ['b:9092'] }), { bootstrapBrokers: ['b:9092'] });
  });

  it('builds TLS and SCRAM options from environment variables, reading the password file when connecting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-conn-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), 'CA PEM');
      writeFileSync(join(dir, 'pw'), 'from-file\n');
      const security = securityFromConfig(undefined, {
        VIGIL_KAFKA_SECURITY: 'sasl_ssl',
        VIGIL_KAFKA_SASL_USERNAME: 'ai-risk-assessment',
        VIGIL_KAFKA_SASL_PASSWORD_FILE: join(dir, 'pw'),
        VIGIL_KAFKA_CA_FILE: join(dir, 'ca.pem'),
      });
      const opts = kafkaClientOptions({ bootstrap: ['b:9093'], security });
      assert.deepEqual(opts.tls, { ca: 'CA PEM' });
      assert.equal(opts.sasl?.mechanism, 'SCRAM-SHA-512');
      assert.equal(opts.sasl?.username, 'ai-risk-assessment');
      assert.equal((opts.sasl?.password as () => string)(), 'from-file');
      // Nothing that logs or serialises the options can show the password.
      assert.doesNotMatch(JSON.stringify({ security, opts }), /from-file/);
      assert.equal(describeConnection({ bootstrap: ['b:9093'], security }), 'SASL_SSL as ai-risk-assessment with SCRAM-SHA-512 to b:9093');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes kafka.security from the config file, the password from the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-conn-'));
    try {
      const file = join(dir, 'vigil.config.json');
      writeFileSync(file, JSON.stringify({ kafka: { brokers: 'k1:9093', security: { protocol: 'SASL_SSL', username: 'gw', mechanism: 'SCRAM-SHA-256' } } }));
      const config = loadConfig({ VIGIL_CONFIG: file, VIGIL_KAFKA_SASL_PASSWORD: 'env-secret' });
      assert.equal(config.kafka.security?.sasl?.mechanism, 'SCRAM-SHA-256');
      assert.equal(config.kafka.security?.sasl?.password(), 'env-secret');
      assert.throws(() => loadConfig({ VIGIL_CONFIG: file }), (err: unknown) => err instanceof ConfigError && /needs a password/.test(err.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the setting, never the value, when the configuration is wrong', () => {
    assert.throws(() => securityFromConfig({ protocol: 'SASL_PLAINTEXT' }, {}), /must be PLAINTEXT, SSL or SASL_SSL/);
    assert.throws(() => securityFromConfig(undefined, { VIGIL_KAFKA_SECURITY: 'SASL_SSL', VIGIL_KAFKA_SASL_PASSWORD: 'p' }), /needs a username/);
    assert.throws(() => securityFromConfig(undefined, { VIGIL_KAFKA_SECURITY: 'SASL_SSL', VIGIL_KAFKA_SASL_USERNAME: 'u', VIGIL_KAFKA_SASL_MECHANISM: 'PLAIN', VIGIL_KAFKA_SASL_PASSWORD: 'p' }), /SCRAM-SHA-512 or SCRAM-SHA-256/);
    assert.equal(securityFromConfig(undefined, { VIGIL_KAFKA_SECURITY: 'SSL' })?.protocol, 'SSL');
  });
});
