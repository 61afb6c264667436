// Per consumer group SCRAM credentials (kafka.groupCredentials): a worker whose group has one
// connects (consumer and transactional producer) as its own principal, the one `provision` grants
// that group's ACLs to; every other client of the process keeps the shared kafka.security user.
import { type KafkaConnection, KafkaSecurityConfigError, type KafkaSecurity, passwordInFile } from './connection.ts';
import { type AclPrincipals, principalOf } from '../topology/acls.ts';

/** One entry of `kafka.groupCredentials` in vigil.config.json (the password itself never is). */
export interface GroupCredentialFile {
  /** Defaults to the name in the group's principal (kafka.principals.group, `User:{group}`). */
  username?: string;
  /** A file whose first line is the password, read when a connection authenticates. */
  passwordFile?: string;
  /** Or the name of an environment variable holding it. */
  passwordEnv?: string;
}

export interface GroupCredential {
  username: string;
  /** A function, as in KafkaSecurity: logging a config cannot show it. */
  password: () => string;
}

/** Consumer group -> its own credential; groups not named use the shared one. */
export type GroupCredentials = Readonly<Record<string, GroupCredential>>;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks `kafka.groupCredentials` against the shared security (SASL_SSL only: a credential means
 * nothing without SASL), the topology's groups (a misspelt group would silently use the shared
 * user) and the principal the ACLs are granted to (another user would be refused everything).
 */
export function groupCredentialsFromConfig(
  file: Record<string, GroupCredentialFile> | undefined,
  env: NodeJS.ProcessEnv,
  security: KafkaSecurity | undefined,
  groups: readonly string[],
  principals: AclPrincipals,
): GroupCredentials {
  if (file === undefined) return {};
  const where = 'kafka.groupCredentials';
  if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new KafkaSecurityConfigError(`${where}: must be an object of consumer group -> credential`);
  const entries = Object.entries(file);
  if (entries.length > 0 && !security?.sasl) throw new KafkaSecurityConfigError(`${where}: needs SASL_SSL (kafka.security.protocol or VIGIL_KAFKA_SECURITY)`);
  const out: Record<string, GroupCredential> = {};
  for (const [group, cred] of entries) {
    const at = `${where}.${group}`;
    if (!groups.includes(group)) throw new KafkaSecurityConfigError(`${at}: the topology has no consumer group of that name`);
    if (typeof cred !== 'object' || cred === null) throw new KafkaSecurityConfigError(`${at}: must be an object with passwordFile or passwordEnv`);
    const principal = principalOf(principals, group);
    const granted = principal.startsWith('User:') ? principal.slice('User:'.length) : undefined;
    const username = cred.username ?? granted;
    if (typeof username !== 'string' || username.trim() === '') throw new KafkaSecurityConfigError(`${at}.username: must be a non-empty string`);
    if (`User:${username}` !== principal) {
      throw new KafkaSecurityConfigError(`${at}.username: the topology's ACLs are granted to ${principal} (kafka.principals.group), not User:${username}`);
    }
    if ((cred.passwordFile === undefined) === (cred.passwordEnv === undefined)) throw new KafkaSecurityConfigError(`${at}: needs exactly one of passwordFile and passwordEnv`);
    let password: () => string;
    if (cred.passwordEnv !== undefined) {
      const name = cred.passwordEnv;
      if (typeof name !== 'string' || !ENV_NAME.test(name)) throw new KafkaSecurityConfigError(`${at}.passwordEnv: must name an environment variable`);
      const value = env[name];
      if (value === undefined || value === '') throw new KafkaSecurityConfigError(`${at}.passwordEnv: ${name} is not set`);
      password = () => value;
    } else {
      if (typeof cred.passwordFile !== 'string' || cred.passwordFile.trim() === '') throw new KafkaSecurityConfigError(`${at}.passwordFile: must be a non-empty string`);
      password = passwordInFile(cred.passwordFile);
    }
    out[group] = { username, password };
  }
  return out;
}

/**
 * The connection a consumer group's worker uses: the shared one with the group's own SCRAM user
 * when it has one and the connection uses SASL (the local development broker is PLAINTEXT).
 */
export function groupConnection(shared: KafkaConnection, credentials: GroupCredentials, group: string): KafkaConnection {
  const cred = Object.hasOwn(credentials, group) ? credentials[group] : undefined;
  const security = shared.security;
  if (!cred || !security?.sasl) return shared;
  return { bootstrap: shared.bootstrap, security: { ...security, sasl: { mechanism: security.sasl.mechanism, username: cred.username, password: cred.password } } };
}
