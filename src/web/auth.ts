// Who may call what on the app's HTTP server. Bearer tokens carry a role; one table says which
// role each route needs, and a route missing from it is refused (deny by default), so a new route
// is a conscious decision. 401 without a valid token, 403 with a token whose role is too small.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** ingest: gateway senders. viewer: metadata only. investigator: payloads and replays. admin: all. */
export const ROLES = ['ingest', 'viewer', 'investigator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const GRANTS: Record<Role, readonly Role[]> = {
  ingest: ['ingest'],
  viewer: ['viewer'],
  investigator: ['viewer', 'investigator'],
  admin: ['ingest', 'viewer', 'investigator', 'admin'],
};

/** Route pattern (fastify's, `METHOD /path/:param`) to the role it needs; `public` needs none. */
export const ROUTE_ROLES: Record<string, Role | 'public'> = {
  'GET /health': 'public',
  // Metric labels carry no PHI (invariant 8), and scrapers rarely carry tokens.
  'GET /metrics': 'public',
  // The page and its assets hold no data; the data comes from /api with the token.
  'GET /': 'public',
  'GET /static/app.js': 'public',
  'GET /static/style.css': 'public',
  'POST /events': 'ingest',
  'POST /fhir/': 'ingest',
  'POST /fhir': 'ingest',
  'POST /fhir/:resourceType': 'ingest',
  'GET /api/whoami': 'viewer',
  'GET /api/groups': 'viewer',
  'GET /api/decisions': 'viewer',
  'GET /api/dlq': 'viewer',
  'GET /api/dlq/:ref': 'viewer',
  'GET /api/parked': 'viewer',
  'POST /api/dlq/:ref/payload': 'investigator',
  'POST /api/dlq/:ref/replay': 'investigator',
  'POST /api/dlq/:ref/purge': 'investigator',
  'POST /api/dlq/groups/:group/replay': 'investigator',
  'POST /api/dlq/groups/:group/purge': 'investigator',
  'POST /api/parked/:group/:keyRef/release': 'investigator',
  'POST /api/patients/:patientId/timeline': 'investigator',
  'GET /api/audit': 'admin',
};

export interface Actor {
  /** The token's name: who, in the audit log. */
  name: string;
  role: Role;
}

interface StoredToken {
  name: string;
  role: Role;
  /** SHA-256 of the token, hex: the token itself is never stored. */
  sha256: string;
  created: string;
}

/** Where a deployment keeps its API tokens (hashed). */
export function apiTokenFile(home: string): string {
  return join(home, 'keys', 'api-tokens.json');
}

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** API tokens kept (hashed) in a JSON file of their own, readable by the owner only. */
export class TokenStore {
  readonly #file: string;

  constructor(file: string) {
    this.#file = file;
  }

  list(): StoredToken[] {
    if (!existsSync(this.#file)) return [];
    const parsed = JSON.parse(readFileSync(this.#file, 'utf8')) as { tokens?: StoredToken[] };
    return (parsed.tokens ?? []).filter((t) => ROLES.includes(t.role) && /^[0-9a-f]{64}$/.test(t.sha256));
  }

  /** Creates a token and returns it: the only time it is shown. */
  create(name: string, role: Role): string {
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new TokenError('token name: 1 to 64 letters, digits or . _ @ -');
    if (!ROLES.includes(role)) throw new TokenError(`token role: one of ${ROLES.join(', ')}`);
    const tokens = this.list();
    if (tokens.some((t) => t.name === name)) throw new TokenError(`a token named ${name} exists; revoke it first`);
    const token = `vgl_${randomBytes(24).toString('base64url')}`;
    this.#save([...tokens, { name, role, sha256: digest(token).toString('hex'), created: new Date().toISOString() }]);
    return token;
  }

  revoke(name: string): boolean {
    const tokens = this.list();
    const kept = tokens.filter((t) => t.name !== name);
    if (kept.length === tokens.length) return false;
    this.#save(kept);
    return true;
  }

  /** The actor a presented token stands for, or undefined. */
  verify(token: string): Actor | undefined {
    const presented = digest(token);
    for (const t of this.list()) {
      if (timingSafeEqual(presented, Buffer.from(t.sha256, 'hex'))) return { name: t.name, role: t.role };
    }
    return undefined;
  }

  #save(tokens: StoredToken[]): void {
    mkdirSync(dirname(this.#file), { recursive: true, mode: 0o700 });
    const tmp = `${this.#file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ tokens }, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.#file);
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

function bearer(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** Checks every request against ROUTE_ROLES before its handler runs. */
export function registerAuth(app: FastifyInstance, tokens: TokenStore): void {
  app.addHook('onRequest', async (req, reply) => {
    const pattern = req.routeOptions.url;
    if (pattern === undefined) return; // no such route: fastify answers 404
    const needed = ROUTE_ROLES[`${req.method} ${pattern}`] ?? (req.method === 'HEAD' ? ROUTE_ROLES[`GET ${pattern}`] : undefined);
    if (needed === 'public') return;
    const token = bearer(req);
    const actor = token ? tokens.verify(token) : undefined;
    if (!actor) {
      return reply.status(401).header('www-authenticate', 'Bearer realm="vigil"').send({ error: 'a valid bearer token is required' });
    }
    if (!needed || !GRANTS[actor.role].includes(needed)) {
      return reply.status(403).send({ error: `role ${actor.role} may not do this${needed ? ` (needs ${needed})` : ''}` });
    }
    req.actor = actor;
  });
  app.get('/api/whoami', async (req) => ({ name: req.actor?.name, role: req.actor?.role }));
}
