// The local development and test broker: Apache Kafka 4.x in KRaft mode (one node, broker and
// controller), run from Maven Central jars. Used only when no cluster is configured.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin } from '@platformatic/kafka';
import { type KafkaConnection, kafkaClientOptions } from './connection.ts';
import { type SecureBrokerOptions, type SecureBrokerState, type SecureSetup, prepareSecureBroker, secureConnection } from './local-broker-security.ts';

export interface LocalBrokerOptions {
  /** Project checkout: holds kafka/pom.xml and kafka/log4j2.properties. */
  root: string;
  /** Folder for the broker's data, logs and state (git-ignored). */
  dir: string;
  /** Folder caching the broker's jars, shared by every broker of a checkout (tests use temp dirs). */
  libDir: string;
  /** Preferred ports; 0, or a port already taken, picks a free one on first start. */
  port: number;
  controllerPort: number;
  /** Progress lines for people waiting. */
  progress?: (line: string) => void;
  /**
   * Serve clients on SASL_SSL (SCRAM-SHA-512, a CA made here, ACLs enforced) instead of
   * PLAINTEXT. Chosen when the storage is formatted; a formatted broker keeps its mode.
   */
  secure?: SecureBrokerOptions;
}

export interface BrokerState {
  pid: number;
  port: number;
  controllerPort: number;
  bootstrap: string;
  /** Set when the broker serves SASL_SSL: how to reach it as its admin. */
  secure?: SecureBrokerState;
}

/** How to reach a local broker as its admin. */
export function brokerConnection(state: BrokerState): KafkaConnection {
  return state.secure ? secureConnection(state.bootstrap, state.secure) : { bootstrap: [state.bootstrap] };
}

const STATE_FILE = 'broker.json';
const PORTS_FILE = 'ports.json';
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

export class LocalBrokerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalBrokerError';
  }
}

function requireTool(command: string, args: string[], what: string): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new LocalBrokerError(`${command} is needed to ${what} but was not found or failed; install it and retry`);
  }
  return `${r.stdout}${r.stderr}`;
}

/** Resolves the broker's jars with Maven once; later calls reuse the folder (keyed by the pom). */
export function ensureJars(root: string, libDir: string, progress: (l: string) => void = () => {}): string {
  const pom = join(root, 'kafka', 'pom.xml');
  const hash = createHash('sha256').update(readFileSync(pom)).digest('hex').slice(0, 12);
  const lib = join(libDir, `lib-${hash}`);
  if (existsSync(join(lib, '.complete'))) return lib;
  requireTool('mvn', ['-v'], 'download the Kafka broker');
  progress('downloading the Apache Kafka broker and its dependencies with Maven (first run only)');
  const tmp = `${lib}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const r = spawnSync(
    'mvn',
    ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (r.status !== 0) {
    throw new LocalBrokerError(`mvn could not resolve the Kafka broker (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  }
  writeFileSync(join(tmp, '.complete'), `${new Date().toISOString()}\n`);
  rmSync(lib, { recursive: true, force: true });
  renameSync(tmp, lib);
  progress(`broker jars ready (${readdirSync(lib).length - 1} files)`);
  return lib;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A port free on loopback right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function choosePort(preferred: number, avoid: number[]): Promise<number> {
  if (preferred > 0 && !avoid.includes(preferred) && (await portFree(preferred))) return preferred;
  for (;;) {
    const p = await freePort();
    if (!avoid.includes(p)) return p;
  }
}

function serverProperties(dir: string, port: number, controllerPort: number, secure: SecureSetup | undefined): string {
  const listeners = secure
    ? secure.properties(port, controllerPort)
    : [
        `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
      ];
  return [
    '# Written by vigil: a single-node KRaft broker+controller on loopback.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    ...listeners,
    `log.dirs=${join(dir, 'data')}`,
    // One node: every internal topic has one replica; one offsets partition keeps group joins fast.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'num.network.threads=2',
    'num.io.threads=2',
    '',
  ].join('\n');
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** True when pid is alive and is a Kafka broker (pids get reused after a crash or reboot). */
function isBrokerProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka');
  } catch {
    return false;
  }
}

/** Asks the broker for cluster metadata; resolves true when it answers (and lets us in). */
export async function brokerAnswers(target: KafkaConnection | string, timeoutMs = 2_000): Promise<boolean> {
  const admin = new Admin({
    clientId: 'vigil-probe',
    ...kafkaClientOptions(typeof target === 'string' ? { bootstrap: [target] } : target),
    connectTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retries: 0,
  });
  try {
    await admin.metadata({ topics: [] });
    return true;
  } catch {
    return false;
  } finally {
    await admin.close().catch(() => {});
  }
}

export async function localBrokerStatus(dir: string): Promise<(BrokerState & { answering: boolean }) | undefined> {
  const state = readJson<BrokerState>(join(dir, STATE_FILE));
  if (!state || !isBrokerProcess(state.pid)) return undefined;
  return { ...state, answering: await brokerAnswers(brokerConnection(state)) };
}

function logTail(dir: string, lines = 20): string {
  for (const f of ['broker.log', 'broker.out']) {
    try {
      const text = readFileSync(join(dir, f), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      if (text) return `\n--- last lines of ${join(dir, f)} ---\n${text}`;
    } catch {
      // not written yet
    }
  }
  return '';
}

/**
 * Starts the local broker unless it is already running, and waits until it answers a metadata
 * request. Formats the KRaft storage on first start; data survives restarts.
 */
export async function startLocalBroker(opts: LocalBrokerOptions): Promise<BrokerState & { started: boolean }> {
  const progress = opts.progress ?? (() => {});
  const running = await localBrokerStatus(opts.dir);
  if (running?.answering) return { ...running, started: false };
  if (running) {
    throw new LocalBrokerError(`a broker process (pid ${running.pid}) is running but not answering; run: ./vigil kafka stop`);
  }

  requireTool('java', ['-version'], 'run the Kafka broker');
  mkdirSync(opts.dir, { recursive: true });
  const lib = ensureJars(opts.root, opts.libDir, progress);
  const classpath = `${lib}/*`;
  const logConfig = join(opts.root, 'kafka', 'log4j2.properties');
  const javaProps = [`-Dlog4j2.configurationFile=${logConfig}`, `-Dvigil.kafka.logFile=${join(opts.dir, 'broker.log')}`];

  // Ports are chosen once, when the storage is formatted, and kept: the quorum lives in the data.
  let ports = readJson<{ port: number; controllerPort: number; secure?: SecureBrokerState }>(join(opts.dir, PORTS_FILE));
  if (!ports || !existsSync(join(opts.dir, 'data', 'meta.properties'))) {
    const port = await choosePort(opts.port, []);
    const controllerPort = await choosePort(opts.controllerPort, [port]);
    const secure = opts.secure ? prepareSecureBroker(opts.dir, opts.secure) : undefined;
    ports = { port, controllerPort, ...(secure ? { secure: secure.state } : {}) };
    const props = join(opts.dir, 'server.properties');
    writeFileSync(props, serverProperties(opts.dir, port, controllerPort, secure));
    const clusterId = spawnSync('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' });
    if (clusterId.status !== 0) throw new LocalBrokerError(`StorageTool random-uuid failed:\n${clusterId.stderr}`);
    const format = spawnSync(
      'java',
      [...javaProps, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId.stdout.trim(), '-c', props, '--ignore-formatted', ...(secure?.formatArgs ?? [])],
      { encoding: 'utf8' },
    );
    if (format.status !== 0) throw new LocalBrokerError(`formatting KRaft storage failed:\n${format.stdout}${format.stderr}`);
    writeFileSync(join(opts.dir, PORTS_FILE), JSON.stringify(ports));
    progress(`formatted KRaft storage in ${join(opts.dir, 'data')}`);
  } else if (!(await portFree(ports.port)) || !(await portFree(ports.controllerPort))) {
    throw new LocalBrokerError(`port ${ports.port} or ${ports.controllerPort} of the local broker is taken by another program`);
  }

  const out = openSync(join(opts.dir, 'broker.out'), 'a');
  const child = spawn(
    'java',
    ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', ...javaProps, '-cp', classpath, 'kafka.Kafka', join(opts.dir, 'server.properties')],
    { detached: true, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  if (child.pid === undefined) throw new LocalBrokerError('could not start java');
  child.unref();
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const state: BrokerState = { pid: child.pid, ...ports, bootstrap: `127.0.0.1:${ports.port}` };
  writeFileSync(join(opts.dir, STATE_FILE), JSON.stringify(state));
  progress(`starting Kafka broker (pid ${state.pid}) on ${state.bootstrap}`);

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) {
      rmSync(join(opts.dir, STATE_FILE), { force: true });
      throw new LocalBrokerError(`the Kafka broker exited during start-up${logTail(opts.dir)}`);
    }
    if (await brokerAnswers(brokerConnection(state), 1_000)) return { ...state, started: true };
    await sleep(250);
  }
  await stopLocalBroker(opts.dir);
  throw new LocalBrokerError(`the Kafka broker did not answer within ${START_TIMEOUT_MS / 1000} s${logTail(opts.dir)}`);
}

/** Stops the local broker (SIGTERM: a clean controlled shutdown), then SIGKILL if it hangs. */
export async function stopLocalBroker(dir: string): Promise<boolean> {
  const state = readJson<BrokerState>(join(dir, STATE_FILE));
  rmSync(join(dir, STATE_FILE), { force: true });
  if (!state || !isBrokerProcess(state.pid)) return false;
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isBrokerProcess(state.pid)) {
    if (Date.now() > deadline) {
      process.kill(state.pid, 'SIGKILL');
      break;
    }
    await sleep(100);
  }
  return true;
}
