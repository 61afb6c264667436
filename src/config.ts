// Configuration: embedded defaults, then the config file (vigil.config.json or $VIGIL_CONFIG),
// then environment variables. Everything works with no file and no variables set.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type KafkaSecurity, type SecurityFileConfig, securityFromConfig } from './kafka/connection.ts';
import { type AclPrincipals, principalsFromConfig } from './topology/acls.ts';
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
    /** For created topics; -1 leaves it to the cluster's default.replication.factor. */
    replicationFactor: number;
    /** How long a caller waiting for Kafka's acknowledgement (HTTP intake, MLLP ACK) waits. */
    ackTimeoutMs: number;
    /** TLS and SASL/SCRAM (kafka.security, VIGIL_KAFKA_* variables); unset means PLAINTEXT. */
    security: KafkaSecurity | undefined;
    /** Which principal each consumer group and the gateway use, for the ACLs `provision` grants. */
    principals: AclPrincipals;
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
  topology: Topology;
  /** Metrics and the lag monitor. */
  observe: {
    /** Time between consumer-lag samples (the monitor keeps a window of 12). */
    lagIntervalMs: number;
  };
}

interface ConfigFile {
  kafka?: {
    brokers?: string[] | string;
    clientId?: string;
    replicationFactor?: number;
    ackTimeoutMs?: number;
    security?: SecurityFileConfig;
    principals?: Partial<AclPrincipals>;
  };
  localKafka?: { port?: number; controllerPort?: number };
  http?: { host?: string; port?: number };
  mllp?: { host?: string; port?: number; timeZone?: string };
  simulator?: { rate?: number; connections?: number };
  topics?: Record<string, TopicOverride>;
  observe?: { lagIntervalMs?: number };
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
  try {
    security = securityFromConfig(file.kafka?.security, env);
    principals = principalsFromConfig(file.kafka?.principals);
    topology = withOverrides(defaultTopology, overrides);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }

  return {
    root,
    home: env.VIGIL_HOME ? resolve(env.VIGIL_HOME) : join(root, '.vigil'),
    kafka: {
      brokers,
      clientId: file.kafka?.clientId ?? 'vigil',
      replicationFactor: int(file.kafka?.replicationFactor ?? -1, 'kafka.replicationFactor', -1, 32),
      ackTimeoutMs: int(env.VIGIL_ACK_TIMEOUT_MS ?? file.kafka?.ackTimeoutMs ?? 10_000, 'ackTimeoutMs', 1),
      security,
      principals,
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
    topology,
    observe: {
      lagIntervalMs: int(env.VIGIL_LAG_INTERVAL_MS ?? file.observe?.lagIntervalMs ?? 5_000, 'observe.lagIntervalMs', 100, 3_600_000),
    },
  };
}
