// Configuration: embedded defaults, then the config file (vigil.config.json or $VIGIL_CONFIG),
// then environment variables. Everything works with no file and no variables set.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { LLM_DEFAULTS, type LlmSettings } from './llm/settings.ts';
import { type KafkaSecurity, type SecurityFileConfig, securityFromConfig } from './kafka/connection.ts';
import { type GroupCredentialFile, type GroupCredentials, groupCredentialsFromConfig } from './kafka/group-credentials.ts';
import { type AclPrincipals, groupsOf, principalsFromConfig } from './topology/acls.ts';
import { type TopicOverride, type Topology, defaultTopology, withOverrides } from './topology/topology.ts';

export interface VigilConfig {
  /** The project checkout. */
  root: string;
  /** State folder (Node toolchain, local broker jars and data): git-ignored. */
  home: string;
  kafka: {
    /** Bootstrap servers of an existing cluster; null means the local broker is used. */
    brokers: string[] | null;
    clientId: string;
    /**
     * This job among the instances that read the same consumer groups: part of each worker's
     * transactional id, so it must differ per instance (a second instance with the same id fences
     * the first) and stay the same across restarts (a restart fences its own predecessor).
     */
    instanceId: string;
    /** For created topics; -1 leaves it to the cluster's default.replication.factor. */
    replicationFactor: number;
    /** How long a caller waiting for Kafka's acknowledgement (HTTP intake, MLLP ACK) waits. */
    ackTimeoutMs: number;
    /** TLS and SASL/SCRAM (kafka.security, VIGIL_KAFKA_* variables); unset means PLAINTEXT. */
    security: KafkaSecurity | undefined;
    /** Which principal each consumer group and the gateway use, for the ACLs `provision` grants. */
    principals: AclPrincipals;
    /** Consumer groups whose workers connect as their own SCRAM user (kafka.groupCredentials). */
    groupCredentials: GroupCredentials;
  };
  localKafka: {
    /** Preferred ports; when taken (or 0) a free one is chosen at first start and kept. */
    port: number;
    controllerPort: number;
  };
  http: {
    host: string;
    port: number;
  };
  /** HL7 v2 over MLLP. */
  mllp: {
    host: string;
    port: number;
    /** Time zone of HL7 timestamps sent without an offset (IANA name or ±HH:MM). */
    timeZone: string;
  };
  /** The demo traffic the main job plays into its own gateway; rate 0 turns it off. */
  simulator: {
    rate: number;
    connections: number;
  };
  /** ai-discharge-summary: how long a discharge waits for the patient timeline to hold its whole encounter. */
  dischargeSummary: {
    historyWaitMs: number;
  };
  topology: Topology;
  /** The LLM endpoint of the AI consumers that phrase text; baseUrl null: none, deterministic text. */
  llm: LlmSettings;
  /** Metrics and the lag monitor. */
  observe: {
    /** Time between consumer-lag samples (the monitor keeps a window of 12). */
    lagIntervalMs: number;
  };
  /** PHI encryption of event payloads in Kafka (README: PHI encryption and forgetting a patient). */
  encryption: {
    /** The gateway seals payloads; workers open sealed records whatever this says. */
    enabled: boolean;
  };
}

interface ConfigFile {
  kafka?: {
    brokers?: string[] | string;
    clientId?: string;
    instanceId?: string;
    replicationFactor?: number;
    ackTimeoutMs?: number;
    security?: SecurityFileConfig;
    principals?: Partial<AclPrincipals>;
    groupCredentials?: Record<string, GroupCredentialFile>;
  };
  localKafka?: { port?: number; controllerPort?: number };
  http?: { host?: string; port?: number };
  mllp?: { host?: string; port?: number; timeZone?: string };
  simulator?: { rate?: number; connections?: number };
  dischargeSummary?: { historyWaitMs?: number };
  topics?: Record<string, TopicOverride>;
  llm?: {
    baseUrl?: string;
    model?: string;
    apiKey?: string;
    baa?: boolean;
    timeoutMs?: number;
    maxRetries?: number;
    concurrency?: number;
    ratePerSecond?: number;
  };
  observe?: { lagIntervalMs?: number };
  encryption?: { enabled?: boolean };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const projectRoot = resolve(import.meta.dirname, '..');

function parseBrokers(value: string[] | string, where: string): string[] {
  const list = Array.isArray(value) ? value : value.split(',');
  const brokers = list.map((b) => b.trim()).filter((b) => b.length > 0);
  for (const b of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b)) throw new ConfigError(`${where}: each broker must be host:port`);
  }
  if (brokers.length === 0) throw new ConfigError(`${where}: must list at least one host:port`);
  return brokers;
}

function int(value: unknown, where: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${where}: must be an integer from ${min} to ${max}`);
  }
  return n;
}

function positive(value: unknown, where: string, max: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0 || n > max) throw new ConfigError(`${where}: must be a number above 0 and at most ${max}`);
  return n;
}

function bool(value: unknown, where: string): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError(`${where}: must be true or false`);
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(`${where}: must be a non-empty string`);
  return value.trim();
}

/** The LLM endpoint: absent unless a base URL is set; then a model must be named too. */
function llmSettings(env: NodeJS.ProcessEnv, file: ConfigFile['llm'] = {}): LlmSettings {
  const rawUrl = env.VIGIL_LLM_BASE_URL ?? file.baseUrl;
  let baseUrl: string | null = null;
  if (rawUrl !== undefined && rawUrl !== '') {
    const where = env.VIGIL_LLM_BASE_URL ? 'VIGIL_LLM_BASE_URL' : 'llm.baseUrl';
    let url: URL;
    try {
      url = new URL(text(rawUrl, where));
    } catch (err) {
      throw err instanceof ConfigError ? err : new ConfigError(`${where}: must be an http or https URL`);
    }
    // A key or password in the URL would end up wherever the URL is printed.
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
      throw new ConfigError(`${where}: must be an http or https URL without credentials`);
    }
    baseUrl = url.href.replace(/\/$/, '');
  }
  const rawModel = env.VIGIL_LLM_MODEL ?? file.model;
  if (baseUrl !== null && (rawModel === undefined || rawModel === '')) {
    throw new ConfigError('llm.model (VIGIL_LLM_MODEL): must be set when an LLM base URL is');
  }
  const rawKey = env.VIGIL_LLM_API_KEY ?? file.apiKey;
  return {
    baseUrl,
    model: rawModel === undefined || rawModel === '' ? '' : text(rawModel, env.VIGIL_LLM_MODEL ? 'VIGIL_LLM_MODEL' : 'llm.model'),
    apiKey: rawKey === undefined || rawKey === '' ? null : text(rawKey, env.VIGIL_LLM_API_KEY ? 'VIGIL_LLM_API_KEY' : 'llm.apiKey'),
    baa: bool(env.VIGIL_LLM_BAA ?? file.baa ?? LLM_DEFAULTS.baa, env.VIGIL_LLM_BAA ? 'VIGIL_LLM_BAA' : 'llm.baa'),
    timeoutMs: int(env.VIGIL_LLM_TIMEOUT_MS ?? file.timeoutMs ?? LLM_DEFAULTS.timeoutMs, 'llm.timeoutMs', 100, 600_000),
    maxRetries: int(env.VIGIL_LLM_RETRIES ?? file.maxRetries ?? LLM_DEFAULTS.maxRetries, 'llm.maxRetries', 0, 10),
    concurrency: int(env.VIGIL_LLM_CONCURRENCY ?? file.concurrency ?? LLM_DEFAULTS.concurrency, 'llm.concurrency', 1, 1_000),
    ratePerSecond: positive(env.VIGIL_LLM_RATE ?? file.ratePerSecond ?? LLM_DEFAULTS.ratePerSecond, 'llm.ratePerSecond', 10_000),
  };
}

/** VIGIL_INSTANCE_ID, else kafka.instanceId, else the host name. */
function instanceIdFrom(env: NodeJS.ProcessEnv, file: ConfigFile): string {
  const fromEnv = env.VIGIL_INSTANCE_ID === '' ? undefined : env.VIGIL_INSTANCE_ID;
  const value = fromEnv ?? file.kafka?.instanceId ?? hostname();
  const where = fromEnv !== undefined ? 'VIGIL_INSTANCE_ID' : file.kafka?.instanceId !== undefined ? 'kafka.instanceId' : 'the host name, the default instance id (set VIGIL_INSTANCE_ID)';
  // It ends up in transactional ids, which ACLs match by prefix: keep it to plain name characters.
  if (typeof value !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(value)) {
    throw new ConfigError(`${where}: must be 1 to 64 letters, digits, '.', '_' or '-'`);
  }
  return value;
}

function flag(value: unknown, where: string): boolean {
  if (value === true || value === 'on' || value === 'true' || value === '1') return true;
  if (value === false || value === 'off' || value === 'false' || value === '0') return false;
  throw new ConfigError(`${where}: must be true or false (on or off)`);
}

function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as ConfigFile;
  } catch {
    throw new ConfigError(`config file ${path}: must be a JSON object`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): VigilConfig {
  const root = env.VIGIL_ROOT ? resolve(env.VIGIL_ROOT) : projectRoot;
  const configPath = env.VIGIL_CONFIG ? resolve(env.VIGIL_CONFIG) : join(root, 'vigil.config.json');
  const file: ConfigFile = env.VIGIL_CONFIG || existsSync(configPath) ? readConfigFile(configPath) : {};

  let brokers: string[] | null = null;
  if (env.KAFKA_BROKERS) brokers = parseBrokers(env.KAFKA_BROKERS, 'KAFKA_BROKERS');
  else if (file.kafka?.brokers !== undefined) brokers = parseBrokers(file.kafka.brokers, 'kafka.brokers');

  const overrides = file.topics ?? {};
  for (const [name, o] of Object.entries(overrides)) {
    if (o.partitions !== undefined) int(o.partitions, `topics.${name}.partitions`, 1, 10_000);
    if (o.retentionMs !== undefined) int(o.retentionMs, `topics.${name}.retentionMs`, -1);
  }
  let topology: Topology;
  let security: KafkaSecurity | undefined;
  let principals: AclPrincipals;
  let groupCredentials: GroupCredentials;
  try {
    security = securityFromConfig(file.kafka?.security, env);
    principals = principalsFromConfig(file.kafka?.principals);
    topology = withOverrides(defaultTopology, overrides);
    groupCredentials = groupCredentialsFromConfig(file.kafka?.groupCredentials, env, security, groupsOf(topology), principals);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }

  return {
    root,
    home: env.VIGIL_HOME ? resolve(env.VIGIL_HOME) : join(root, '.vigil'),
    kafka: {
      brokers,
      clientId: file.kafka?.clientId ?? 'vigil',
      instanceId: instanceIdFrom(env, file),
      replicationFactor: int(file.kafka?.replicationFactor ?? -1, 'kafka.replicationFactor', -1, 32),
      ackTimeoutMs: int(env.VIGIL_ACK_TIMEOUT_MS ?? file.kafka?.ackTimeoutMs ?? 10_000, 'ackTimeoutMs', 1),
      security,
      principals,
      groupCredentials,
    },
    localKafka: {
      port: int(env.VIGIL_KAFKA_PORT ?? file.localKafka?.port ?? 9092, 'localKafka.port', 0, 65_535),
      controllerPort: int(file.localKafka?.controllerPort ?? 9093, 'localKafka.controllerPort', 0, 65_535),
    },
    http: {
      host: env.VIGIL_HTTP_HOST ?? file.http?.host ?? '127.0.0.1',
      port: int(env.VIGIL_HTTP_PORT ?? file.http?.port ?? 8080, 'http.port', 0, 65_535),
    },
    mllp: {
      host: env.VIGIL_MLLP_HOST ?? file.mllp?.host ?? '127.0.0.1',
      port: int(env.VIGIL_MLLP_PORT ?? file.mllp?.port ?? 2575, 'mllp.port', 0, 65_535),
      timeZone: env.VIGIL_TIME_ZONE ?? file.mllp?.timeZone ?? 'UTC',
    },
    simulator: {
      rate: int(env.VIGIL_SIMULATE_RATE ?? file.simulator?.rate ?? 5, 'simulator.rate', 0, 100_000),
      connections: int(file.simulator?.connections ?? 4, 'simulator.connections', 1, 256),
    },
    dischargeSummary: {
      historyWaitMs: int(env.VIGIL_DISCHARGE_WAIT_MS ?? file.dischargeSummary?.historyWaitMs ?? 60_000, 'dischargeSummary.historyWaitMs', 0),
    },
    topology,
    llm: llmSettings(env, file.llm),
    observe: {
      lagIntervalMs: int(env.VIGIL_LAG_INTERVAL_MS ?? file.observe?.lagIntervalMs ?? 5_000, 'observe.lagIntervalMs', 100, 3_600_000),
    },
    encryption: { enabled: flag(env.VIGIL_ENCRYPTION ?? file.encryption?.enabled ?? true, env.VIGIL_ENCRYPTION ? 'VIGIL_ENCRYPTION' : 'encryption.enabled') },
  };
}
