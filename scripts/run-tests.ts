// Runs the test suite with `node --test` against a real Kafka broker: the one named by
// KAFKA_BROKERS, or else a fresh single-node broker on free ports in a temp folder; and a real
// Postgres server (VIGIL_TEST_DATABASE_URL, or a fresh one). What it starts it always stops and
// removes afterwards (also on Ctrl-C). VIGIL_TEST_KAFKA_SECURITY=SASL_SSL starts that broker with
// a SASL_SSL listener (SCRAM-SHA-512, its own CA, ACLs enforced) and hands the tests its admin
// credentials in the VIGIL_KAFKA_* variables, so the suite runs over TLS and SASL.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { brokerConnection, startLocalBroker, stopLocalBroker } from '../src/kafka/local-broker.ts';
import { securityEnv } from '../src/kafka/connection.ts';
import { TEST_PACKAGES, ensureDebianPackages } from './debian.ts';
import { type TestPostgres, startTestPostgres, stopTestPostgres } from './test-postgres.ts';

const root = resolve(import.meta.dirname, '..');
const files = process.argv.slice(2);
const env = { ...process.env };
let brokerDir: string | undefined;
let postgres: TestPostgres | undefined;

async function cleanup(): Promise<void> {
  if (postgres) {
    const pg = postgres;
    postgres = undefined;
    stopTestPostgres(pg);
  }
  if (!brokerDir) return;
  const dir = brokerDir;
  brokerDir = undefined;
  await stopLocalBroker(dir);
  rmSync(dir, { recursive: true, force: true });
}

let tests: ChildProcess | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    // The test process goes first (it may be in another process group), then what we started.
    tests?.kill(signal);
    void cleanup().finally(() => process.exit(130));
  });
}

let code = 1;
try {
  ensureDebianPackages(TEST_PACKAGES, (line) => process.stderr.write(`test set-up: ${line}\n`));
  const secured = env.VIGIL_TEST_KAFKA_SECURITY?.toUpperCase();
  if (secured && secured !== 'SASL_SSL' && secured !== 'PLAINTEXT') throw new Error('VIGIL_TEST_KAFKA_SECURITY must be SASL_SSL or PLAINTEXT');
  if (!env.KAFKA_BROKERS) {
    brokerDir = mkdtempSync(join(tmpdir(), 'vigil-test-kafka-'));
    const broker = await startLocalBroker({
      root,
      dir: brokerDir,
      libDir: join(root, '.vigil', 'kafka'),
      port: 0,
      controllerPort: 0,
      progress: (line) => process.stderr.write(`test broker: ${line}\n`),
      ...(secured === 'SASL_SSL' ? { secure: {} } : {}),
    });
    env.KAFKA_BROKERS = broker.bootstrap;
    Object.assign(env, securityEnv(brokerConnection(broker).security, broker.secure?.adminPasswordFile ?? ''));
    if (broker.secure) process.stderr.write('test broker: SASL_SSL only (SCRAM-SHA-512, its own CA, ACLs enforced); tests connect as its admin\n');
  }
  // Several worker processes share a store only through a Postgres server.
  if (!env.VIGIL_TEST_DATABASE_URL) {
    postgres = await startTestPostgres((line) => process.stderr.write(`test postgres: ${line}\n`));
    env.VIGIL_TEST_DATABASE_URL = postgres.url;
  }
  // Tests log through the real logger; warnings and errors are enough to read a failure.
  env.VIGIL_LOG_LEVEL ??= 'warn';
  const args = ['--test', '--test-reporter=spec', '--test-timeout=300000', ...(files.length ? files : ['test/**/*.test.ts'])];
  code = await new Promise<number>((done) => {
    tests = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
    tests.on('exit', (c, signal) => done(c ?? (signal ? 1 : 0)));
  });
} catch (err) {
  process.stderr.write(`tests could not run: ${(err as Error).message}\n`);
} finally {
  await cleanup();
}
process.exit(code);
