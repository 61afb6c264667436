// The secured variant of the local broker (tests, and rehearsing a secured deployment): one
// SASL_SSL listener for clients and for the broker itself, a CA and broker certificate made here
// with openssl, SCRAM-SHA-512 users written into the metadata when the storage is formatted, and
// ACLs enforced by StandardAuthorizer with nothing allowed unless granted.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaConnection } from './connection.ts';

export const ADMIN_USER = 'admin';

export interface SecureBrokerOptions {
  /** SCRAM users besides the admin (a super user): name -> password. */
  users?: Record<string, string>;
}

/** What a client needs to reach the secured broker as its admin (file paths; no secret inline). */
export interface SecureBrokerState {
  caFile: string;
  adminUser: string;
  adminPasswordFile: string;
}

export class SecureBrokerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecureBrokerError';
  }
}

// Kafka's --add-scram syntax ends an entry at `,` or `]`, and the JAAS line quotes with `"`.
const SAFE_SECRET = /^[A-Za-z0-9._~!@#$%^&*+=-]+$/;

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new SecureBrokerError(`openssl ${args[0]} failed (it is needed to make the test broker's certificates): ${r.error?.message ?? r.stderr}`);
  }
}

/**
 * A CA, and a broker certificate it signed for 127.0.0.1/localhost, in `tlsDir`: ca.pem (what
 * clients trust) and broker.pem (unencrypted PKCS#8 key plus chain: Kafka's PEM keystore).
 */
function makeCertificates(tlsDir: string): void {
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  const days = '30';
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', days, '-subj', '/CN=vigil local test CA', '-keyout', 'ca.key', '-out', 'ca.pem',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], tlsDir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'broker.key', '-out', 'broker.csr'], tlsDir);
  writeFileSync(join(tlsDir, 'broker.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  openssl(['x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', days, '-out', 'broker.crt', '-extfile', 'broker.ext'], tlsDir);
  const pem = ['broker.key', 'broker.crt', 'ca.pem'].map((f) => readFileSync(join(tlsDir, f), 'utf8').trimEnd()).join('\n');
  writeFileSync(join(tlsDir, 'broker.pem'), `${pem}\n`, { mode: 0o600 });
}

export interface SecureSetup {
  state: SecureBrokerState;
  /** server.properties lines replacing the PLAINTEXT client listener. */
  properties: (port: number, controllerPort: number) => string[];
  /** StorageTool format arguments creating the SCRAM users. */
  formatArgs: string[];
}

/** Makes certificates and the admin password in `dir`; returns the broker's settings. */
export function prepareSecureBroker(dir: string, opts: SecureBrokerOptions): SecureSetup {
  const tlsDir = join(dir, 'tls');
  makeCertificates(tlsDir);
  const adminPassword = randomBytes(18).toString('hex');
  const adminPasswordFile = join(tlsDir, 'admin.password');
  writeFileSync(adminPasswordFile, `${adminPassword}\n`, { mode: 0o600 });
  const users = { ...opts.users, [ADMIN_USER]: adminPassword };
  for (const [name, password] of Object.entries(users)) {
    if (!SAFE_SECRET.test(name) || !SAFE_SECRET.test(password)) {
      throw new SecureBrokerError(`SCRAM user ${name}: names and passwords may hold letters, digits and ._~!@#$%^&*+=- only`);
    }
  }
  const mechanism = 'SCRAM-SHA-512';
  return {
    state: { caFile: join(tlsDir, 'ca.pem'), adminUser: ADMIN_USER, adminPasswordFile },
    formatArgs: Object.entries(users).flatMap(([name, password]) => ['--add-scram', `${mechanism}=[name=${name},password=${password}]`]),
    properties: (port, controllerPort) => [
      `listeners=SASL_SSL://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=SASL_SSL://127.0.0.1:${port}`,
      // The controller listener cannot use SCRAM (the credentials live in the metadata it serves):
      // it stays PLAINTEXT on loopback, and its principal, ANONYMOUS, must be a super user.
      'listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
      'controller.listener.names=CONTROLLER',
      // The broker talks to itself (transaction markers) over SASL_SSL as the admin.
      'inter.broker.listener.name=SASL_SSL',
      `sasl.enabled.mechanisms=${mechanism}`,
      `sasl.mechanism.inter.broker.protocol=${mechanism}`,
      `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${ADMIN_USER}" password="${adminPassword}";`,
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${join(tlsDir, 'broker.pem')}`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${join(tlsDir, 'ca.pem')}`,
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'allow.everyone.if.no.acl.found=false',
      `super.users=User:${ADMIN_USER};User:ANONYMOUS`,
    ],
  };
}

/** A connection to the secured broker as one of its users (the admin unless another is named). */
export function secureConnection(bootstrap: string, state: SecureBrokerState, user?: { username: string; password: string }): KafkaConnection {
  const password = user ? () => user.password : () => readFileSync(state.adminPasswordFile, 'utf8').trim();
  return {
    bootstrap: [bootstrap],
    security: { protocol: 'SASL_SSL', caFile: state.caFile, sasl: { mechanism: 'SCRAM-SHA-512', username: user?.username ?? state.adminUser, password } },
  };
}
