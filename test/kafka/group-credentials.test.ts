// kafka.groupCredentials: which SCRAM user a consumer group's worker connects as, and the
// configuration mistakes refused at load (by setting name, never by value).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { describeConnection, kafkaClientOptions } from '../../src/kafka/connection.ts';
import { groupConnection } from '../../src/kafka/group-credentials.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-group-cred-'));
const SHARED = { VIGIL_KAFKA_SECURITY: 'SASL_SSL', VIGIL_KAFKA_SASL_USERNAME: 'vigil-ops', VIGIL_KAFKA_SASL_PASSWORD: 'shared-Secret-1', VIGIL_KAFKA_CA_FILE: join(dir, 'ca.pem') };

function configWith(kafka: Record<string, unknown>, env: Record<string, string> = SHARED) {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ kafka: { brokers: 'k1:9093', ...kafka } }));
  return loadConfig({ ...env, VIGIL_CONFIG: file });
}

describe('per consumer group Kafka credentials', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("connects a named group's worker as its own user, every other group as the shared one", () => {
    writeFileSync(join(dir, 'ca.pem'), 'CA PEM');
    writeFileSync(join(dir, 'risk.pw'), 'risk-Secret-2\n');
    const config = configWith(
      { groupCredentials: { 'ai-risk-assessment': { passwordFile: join(dir, 'risk.pw') }, 'ai-critical-value-alert': { username: 'ai-critical-value-alert', passwordEnv: 'CVA_PW' } } },
      { ...SHARED, CVA_PW: 'cva-Secret-3' },
    );
    const shared = { bootstrap: ['k1:9093'], security: config.kafka.security };
    const risk = groupConnection(shared, config.kafka.groupCredentials, 'ai-risk-assessment');
    assert.equal(describeConnection(risk), 'SASL_SSL as ai-risk-assessment with SCRAM-SHA-512 to k1:9093');
    const riskOpts = kafkaClientOptions(risk);
    assert.deepEqual(riskOpts.tls, { ca: 'CA PEM' });
    assert.equal((riskOpts.sasl?.password as () => string)(), 'risk-Secret-2');
    const cva = kafkaClientOptions(groupConnection(shared, config.kafka.groupCredentials, 'ai-critical-value-alert'));
    assert.equal(cva.sasl?.username, 'ai-critical-value-alert');
    assert.equal((cva.sasl?.password as () => string)(), 'cva-Secret-3');
    // Not named: the shared user, the very same connection.
    assert.equal(groupConnection(shared, config.kafka.groupCredentials, 'patient-timeline'), shared);
    assert.equal(config.kafka.security?.sasl?.password(), 'shared-Secret-1');
    // Nothing that logs or serialises the config shows a password.
    assert.doesNotMatch(JSON.stringify(config), /Secret/);
  });

  it('takes the user name from kafka.principals.group and keeps the local PLAINTEXT broker as it is', () => {
    const config = configWith(
      { principals: { group: 'User:svc-{group}' }, groupCredentials: { 'ai-risk-assessment': { passwordEnv: 'RISK_PW' } } },
      { ...SHARED, RISK_PW: 'p' },
    );
    assert.equal(config.kafka.groupCredentials['ai-risk-assessment']?.username, 'svc-ai-risk-assessment');
    const plaintext = { bootstrap: ['127.0.0.1:9092'] };
    assert.equal(groupConnection(plaintext, config.kafka.groupCredentials, 'ai-risk-assessment'), plaintext);
  });

  it('refuses mistakes by setting name, never showing a password', () => {
    const refused = (kafka: Record<string, unknown>, message: RegExp, env: Record<string, string> = SHARED) =>
      assert.throws(() => configWith(kafka, env), (err: unknown) => err instanceof ConfigError && message.test(err.message) && !/Secret/.test(err.message), String(message));
    const pw = { passwordEnv: 'VIGIL_KAFKA_SASL_PASSWORD' };
    refused({ groupCredentials: { 'ai-risk-assessment': pw } }, /kafka.groupCredentials: needs SASL_SSL/, { VIGIL_KAFKA_SECURITY: 'PLAINTEXT' });
    refused({ groupCredentials: { 'ai-risk-assesment': pw } }, /kafka.groupCredentials.ai-risk-assesment: the topology has no consumer group/);
    refused({ groupCredentials: { 'ai-risk-assessment': { ...pw, username: 'someone-else' } } }, /ai-risk-assessment.username: the topology's ACLs are granted to User:ai-risk-assessment .*not User:someone-else/);
    refused({ groupCredentials: { 'ai-risk-assessment': {} } }, /ai-risk-assessment: needs exactly one of passwordFile and passwordEnv/);
    refused({ groupCredentials: { 'ai-risk-assessment': { ...pw, passwordFile: '/x' } } }, /needs exactly one of passwordFile and passwordEnv/);
    refused({ groupCredentials: { 'ai-risk-assessment': { passwordEnv: 'UNSET_RISK_PW' } } }, /ai-risk-assessment.passwordEnv: UNSET_RISK_PW is not set/);
    refused({ groupCredentials: ['ai-risk-assessment'] }, /kafka.groupCredentials: must be an object/);
  });

  it('says which file it cannot read, when a connection authenticates', () => {
    const config = configWith({ groupCredentials: { 'ai-risk-assessment': { passwordFile: join(dir, 'missing.pw') } } });
    const conn = groupConnection({ bootstrap: ['k1:9093'], security: config.kafka.security }, config.kafka.groupCredentials, 'ai-risk-assessment');
    assert.throws(() => conn.security?.sasl?.password(), /cannot read the Kafka SASL password file .*missing.pw: ENOENT/);
  });
});
