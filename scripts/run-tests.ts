// Runs the test suite with `node --test` against a real Kafka broker: the one named by
// KAFKA_BROKERS, or else a fresh single-node broker on free ports in a temp folder; and a real
// Postgres server (VIGIL_TEST_DATABASE_URL, or a fresh one). What it starts it always stops and
// removes afterwards (also on Ctrl-C).
//
// Which broker, by VIGIL_TEST_KAFKA_SECURITY:
// - PLAINTEXT: one pass against a PLAINTEXT broker;
// - SASL_SSL: one pass against a broker whose only listener is SASL_SSL (SCRAM-SHA-512, its own
//   CA, ACLs enforced); the tests get its admin credentials in the VIGIL_KAFKA_* variables;
// - BOTH: every file against PLAINTEXT, then the files that use the suite's broker (see
//   kafka-test-files.ts) again against a fresh SASL_SSL broker.
// Unset means BOTH for the whole suite (`npm test`, CI) and PLAINTEXT when files are named.
import { type ChildProcess, spawn } from 'node:child_process';
import { globSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { brokerConnection, startLocalBroker, stopLocalBroker } from '../src/kafka/local-broker.ts';
import { securityEnv } from '../src/kafka/connection.ts';
import { TEST_PACKAGES, ensureDebianPackages } from './debian.ts';
import { suiteBrokerFiles } from './kafka-test-files.ts';
import { type TestPostgres, startTestPostgres, stopTestPostgres } from './test-postgres.ts';

const root = resolve(import.meta.dirname, '..');
const named = process.argv.slice(2);
const baseEnv = { ...process.env };
let brokerDir: string | undefined;
let postgres: TestPostgres | undefined;

async function stopBroker(): Promise<void> {
  if (!brokerDir) return;
  const dir = brokerDir;
  brokerDir = undefined;
  await stopLocalBroker(dir);
  rmSync(dir, { recursive: true, force: true });
}

async function cleanup(): Promise<void> {
  if (postgres) {
    const pg = postgres;
    postgres = undefined;
    stopTestPostgres(pg);
  }
  await stopBroker();
}

let tests: ChildProcess | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    // The test process goes first (it may be in another process group), then what we started.
    tests?.kill(signal);
    void cleanup().finally(() => process.exit(130));
  });
}

type Security = 'PLAINTEXT' | 'SASL_SSL';
interface Pass {
  /** Undefined: the broker of KAFKA_BROKERS, as the caller's VIGIL_KAFKA_* variables reach it. */
  security: Security | undefined;
  files: string[];
}

function plan(): Pass[] {
  const raw = baseEnv.VIGIL_TEST_KAFKA_SECURITY?.toUpperCase() || undefined;
  if (raw && raw !== 'SASL_SSL' && raw !== 'PLAINTEXT' && raw !== 'BOTH') throw new Error('VIGIL_TEST_KAFKA_SECURITY must be PLAINTEXT, SASL_SSL or BOTH');
  const asked = raw as Security | 'BOTH' | undefined;
  const files = named.length ? named : ['test/**/*.test.ts'];
  if (baseEnv.KAFKA_BROKERS) return [{ security: undefined, files }];
  const mode = asked ?? (named.length ? 'PLAINTEXT' : 'BOTH');
  if (mode !== 'BOTH') return [{ security: mode, files }];
  const secured = suiteBrokerFiles(root, files.flatMap((f) => globSync(f, { cwd: root })).sort());
  return [{ security: 'PLAINTEXT', files }, ...(secured.length ? [{ security: 'SASL_SSL' as const, files: secured }] : [])];
}

/** Starts the pass's broker (unless KAFKA_BROKERS names one) and runs its files; the exit code. */
async function runPass(pass: Pass, shared: NodeJS.ProcessEnv): Promise<number> {
  const env = { ...shared };
  if (pass.security) {
    brokerDir = mkdtempSync(join(tmpdir(), 'vigil-test-kafka-'));
    const broker = await startLocalBroker({
      root,
      dir: brokerDir,
      libDir: join(root, '.vigil', 'kafka'),
      port: 0,
      controllerPort: 0,
      progress: (line) => process.stderr.write(`test broker: ${line}\n`),
      ...(pass.security === 'SASL_SSL' ? { secure: {} } : {}),
    });
    env.KAFKA_BROKERS = broker.bootstrap;
    Object.assign(env, securityEnv(brokerConnection(broker).security, broker.secure?.adminPasswordFile ?? ''));
    if (broker.secure) process.stderr.write('test broker: SASL_SSL only (SCRAM-SHA-512, its own CA, ACLs enforced); tests connect as its admin\n');
  }
  try {
    const args = ['--test', '--test-reporter=spec', '--test-timeout=300000', ...pass.files];
    return await new Promise<number>((done) => {
      tests = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
      tests.on('exit', (c, signal) => done(c ?? (signal ? 1 : 0)));
    });
  } finally {
    tests = undefined;
    await stopBroker();
  }
}

let code = 1;
try {
  ensureDebianPackages(TEST_PACKAGES, (line) => process.stderr.write(`test set-up: ${line}\n`));
  const passes = plan();
  const shared = { ...baseEnv };
  // Several worker processes share a store only through a Postgres server; one serves every pass.
  if (!shared.VIGIL_TEST_DATABASE_URL) {
    postgres = await startTestPostgres((line) => process.stderr.write(`test postgres: ${line}\n`));
    shared.VIGIL_TEST_DATABASE_URL = postgres.url;
  }
  // Tests log through the real logger; warnings and errors are enough to read a failure.
  shared.VIGIL_LOG_LEVEL ??= 'warn';
  const failed: string[] = [];
  for (const pass of passes) {
    const name = pass.security ?? 'KAFKA_BROKERS';
    if (passes.length > 1) process.stderr.write(`\n=== tests against a ${name} broker: ${pass.files.length === 1 ? pass.files[0] : `${pass.files.length} files`} ===\n`);
    // A failed pass does not skip the next: the report shows both.
    if ((await runPass(pass, shared)) !== 0) failed.push(name);
  }
  if (passes.length > 1) process.stderr.write(failed.length ? `\ntests failed against: ${failed.join(', ')}\n` : `\nall passes green: ${passes.map((p) => p.security).join(', ')}\n`);
  code = failed.length ? 1 : 0;
} catch (err) {
  process.stderr.write(`tests could not run: ${(err as Error).message}\n`);
} finally {
  await cleanup();
}
process.exit(code);
