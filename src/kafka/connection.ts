// How every Kafka client of vigil connects: bootstrap servers plus, when the cluster is secured,
// TLS and SASL/SCRAM. One function turns that into @platformatic/kafka client options, so a
// producer, a worker, the admin and the lag monitor cannot drift apart.
import { readFileSync } from 'node:fs';
import { Admin, type SASLOptions } from '@platformatic/kafka';
import type { ConnectionOptions as TlsOptions } from 'node:tls';

/** PLAINTEXT: no security; SSL: TLS only; SASL_SSL: TLS plus SCRAM username/password. */
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_SSL';
export type ScramMechanism = 'SCRAM-SHA-512' | 'SCRAM-SHA-256';

export interface KafkaSecurity {
  protocol: Exclude<SecurityProtocol, 'PLAINTEXT'>;
  /** PEM file of the CA that signed the brokers' certificates; unset trusts Node's default CAs. */
  caFile?: string;
  sasl?: {
    mechanism: ScramMechanism;
    username: string;
    /**
     * The password, read when a connection authenticates. A function (never a string field) so
     * that logging or serialising a config or an options object cannot reveal it.
     */
    password: () => string;
  };
}

export interface KafkaConnection {
  bootstrap: string[];
  /** Unset means PLAINTEXT. */
  security?: KafkaSecurity;
}

/** The connection part of every client's options (Producer, Consumer, Admin). */
export interface KafkaClientConnectionOptions {
  bootstrapBrokers: string[];
  tls?: TlsOptions;
  sasl?: SASLOptions;
}

export function kafkaClientOptions(conn: KafkaConnection): KafkaClientConnectionOptions {
  const { security } = conn;
  if (!security) return { bootstrapBrokers: conn.bootstrap };
  const tls: TlsOptions = security.caFile ? { ca: readFileSync(security.caFile, 'utf8') } : {};
  const sasl = security.sasl;
  return {
    bootstrapBrokers: conn.bootstrap,
    tls,
    ...(sasl ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } } : {}),
  };
}

/** How a connection is secured, for logs and error messages (never the password). */
export function describeConnection(conn: KafkaConnection): string {
  const s = conn.security;
  if (!s) return `PLAINTEXT to ${conn.bootstrap.join(',')}`;
  const who = s.sasl ? ` as ${s.sasl.username} with ${s.sasl.mechanism}` : '';
  return `${s.protocol}${who} to ${conn.bootstrap.join(',')}`;
}

export class KafkaSecurityConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KafkaSecurityConfigError';
  }
}

/** `kafka.security` in vigil.config.json. */
export interface SecurityFileConfig {
  protocol?: string;
  mechanism?: string;
  username?: string;
  /** A file holding the password (first line); the password itself never goes in the config file. */
  passwordFile?: string;
  caFile?: string;
}

/** An environment variable's value; set-but-empty counts as unset (as `VAR= cmd` intends). */
function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name] === '' ? undefined : env[name];
}

/** A password kept in a file (its first line), read each time a connection authenticates. */
export function passwordInFile(file: string): () => string {
  return () => {
    try {
      return readFileSync(file, 'utf8').split('\n')[0]!.trim();
    } catch (err) {
      throw new KafkaSecurityConfigError(`cannot read the Kafka SASL password file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  };
}

function passwordFrom(env: NodeJS.ProcessEnv, file: string | undefined): () => string {
  const value = envValue(env, 'VIGIL_KAFKA_SASL_PASSWORD');
  if (value !== undefined) return () => value;
  if (!file) throw new KafkaSecurityConfigError('SASL_SSL needs a password: set VIGIL_KAFKA_SASL_PASSWORD or VIGIL_KAFKA_SASL_PASSWORD_FILE (kafka.security.passwordFile)');
  return passwordInFile(file);
}

/**
 * Security from environment variables (VIGIL_KAFKA_SECURITY, VIGIL_KAFKA_SASL_MECHANISM,
 * VIGIL_KAFKA_SASL_USERNAME, VIGIL_KAFKA_SASL_PASSWORD or VIGIL_KAFKA_SASL_PASSWORD_FILE,
 * VIGIL_KAFKA_CA_FILE), each over its `kafka.security` field. Undefined means PLAINTEXT.
 */
export function securityFromConfig(file: SecurityFileConfig | undefined, env: NodeJS.ProcessEnv): KafkaSecurity | undefined {
  const protocol = (envValue(env, 'VIGIL_KAFKA_SECURITY') ?? file?.protocol ?? 'PLAINTEXT').toUpperCase();
  if (protocol === 'PLAINTEXT') return undefined;
  if (protocol !== 'SSL' && protocol !== 'SASL_SSL') {
    throw new KafkaSecurityConfigError('kafka.security.protocol (VIGIL_KAFKA_SECURITY): must be PLAINTEXT, SSL or SASL_SSL');
  }
  const caFile = envValue(env, 'VIGIL_KAFKA_CA_FILE') ?? file?.caFile;
  if (protocol === 'SSL') return { protocol, ...(caFile ? { caFile } : {}) };
  const mechanism = (envValue(env, 'VIGIL_KAFKA_SASL_MECHANISM') ?? file?.mechanism ?? 'SCRAM-SHA-512').toUpperCase();
  if (mechanism !== 'SCRAM-SHA-512' && mechanism !== 'SCRAM-SHA-256') {
    throw new KafkaSecurityConfigError('kafka.security.mechanism (VIGIL_KAFKA_SASL_MECHANISM): must be SCRAM-SHA-512 or SCRAM-SHA-256');
  }
  const username = envValue(env, 'VIGIL_KAFKA_SASL_USERNAME') ?? file?.username;
  if (!username) throw new KafkaSecurityConfigError('SASL_SSL needs a username: set VIGIL_KAFKA_SASL_USERNAME (kafka.security.username)');
  const password = passwordFrom(env, envValue(env, 'VIGIL_KAFKA_SASL_PASSWORD_FILE') ?? file?.passwordFile);
  return { protocol, ...(caFile ? { caFile } : {}), sasl: { mechanism, username, password } };
}

/** Environment variables that hand a connection's security to a child process (tests, workers). */
export function securityEnv(security: KafkaSecurity | undefined, passwordFile: string): Record<string, string> {
  if (!security) return { VIGIL_KAFKA_SECURITY: 'PLAINTEXT' };
  return {
    VIGIL_KAFKA_SECURITY: security.protocol,
    ...(security.caFile ? { VIGIL_KAFKA_CA_FILE: security.caFile } : {}),
    ...(security.sasl
      ? { VIGIL_KAFKA_SASL_MECHANISM: security.sasl.mechanism, VIGIL_KAFKA_SASL_USERNAME: security.sasl.username, VIGIL_KAFKA_SASL_PASSWORD_FILE: passwordFile }
      : {}),
  };
}

/** A Kafka failure caused by security (authentication, TLS trust, authorization), said plainly. */
export class KafkaAccessError extends Error {
  /** The broker's error id (e.g. TOPIC_AUTHORIZATION_FAILED) or a TLS/SASL cause. */
  readonly reason: string;
  constructor(message: string, reason: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaAccessError';
    this.reason = reason;
  }
}

interface ErrorLike {
  code?: unknown;
  apiId?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** Every error in a cause/aggregate tree (the client nests them deeply). */
function allErrors(err: unknown, out: ErrorLike[] = [], depth = 0): ErrorLike[] {
  if (!err || typeof err !== 'object' || depth > 8) return out;
  const e = err as ErrorLike;
  out.push(e);
  allErrors(e.cause, out, depth + 1);
  if (Array.isArray(e.errors)) for (const x of e.errors) allErrors(x, out, depth + 1);
  return out;
}

const AUTHORIZATION: Record<string, string> = {
  TOPIC_AUTHORIZATION_FAILED: 'a topic',
  GROUP_AUTHORIZATION_FAILED: 'its consumer group',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'its transactional id',
  CLUSTER_AUTHORIZATION_FAILED: 'the cluster',
};

const TLS_TRUST = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/**
 * Turns a security failure from the client into a KafkaAccessError that names the listener, the
 * mechanism and the principal; any other error is returned as it is. `what` says what was tried
 * ("reading lab-results"), names only (topic and group names are not PHI).
 */
export function explainKafkaError(err: unknown, conn: KafkaConnection, what = 'connecting'): unknown {
  const chain = allErrors(err);
  const where = describeConnection(conn);
  const user = conn.security?.sasl ? `User:${conn.security.sasl.username}` : 'the client';
  for (const e of chain) {
    if (e.apiId === 'SASL_AUTHENTICATION_FAILED' || e.code === 'PLT_KFK_AUTHENTICATION') {
      return new KafkaAccessError(`Kafka refused SASL authentication (${where}) while ${what}: wrong username or password, or the user has no ${conn.security?.sasl?.mechanism ?? 'SASL'} credentials`, 'SASL_AUTHENTICATION_FAILED', { cause: err });
    }
    if (typeof e.apiId === 'string' && AUTHORIZATION[e.apiId]) {
      return new KafkaAccessError(`Kafka denied ${user} access to ${AUTHORIZATION[e.apiId]} (${e.apiId}) while ${what} (${where}): grant it with ./vigil provision --acls or check the ACLs`, e.apiId, { cause: err });
    }
    if (typeof e.code === 'string' && TLS_TRUST.has(e.code)) {
      return new KafkaAccessError(`TLS to Kafka failed (${where}) while ${what}: the broker's certificate is not trusted (${e.code}); set VIGIL_KAFKA_CA_FILE (kafka.security.caFile) to the CA that signed it`, e.code, { cause: err });
    }
  }
  return err;
}

/**
 * One metadata request without retries: a wrong password or an untrusted certificate fails here at
 * once with a KafkaAccessError, instead of after a client's retries (the client retries a refused
 * authentication like a network error). Other failures are left to the callers' own clients.
 */
export async function verifyKafkaAccess(conn: KafkaConnection, clientId: string, timeoutMs = 5_000): Promise<void> {
  const admin = new Admin({ clientId: `${clientId}-access-check`, ...kafkaClientOptions(conn), retries: 0, connectTimeout: timeoutMs, requestTimeout: timeoutMs });
  try {
    await admin.metadata({ topics: [] });
  } catch (err) {
    const explained = explainKafkaError(err, conn);
    if (explained instanceof KafkaAccessError) throw explained;
  } finally {
    await admin.close().catch(() => {});
  }
}
