// API authentication: 401 without a valid token, 403 for a role too small, deny by default for a
// route nobody classified; tokens are stored hashed, shown once, revocable.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Fastify from 'fastify';
import { ROUTE_ROLES, TokenError, TokenStore, registerAuth } from '../../src/web/auth.ts';
import { runCli } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-auth-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('API tokens and roles', () => {
  const store = new TokenStore(join(dir, 'keys', 'api-tokens.json'));
  const tokens = {
    viewer: store.create('vera', 'viewer'),
    investigator: store.create('ivan', 'investigator'),
    admin: store.create('ada', 'admin'),
    ingest: store.create('feed', 'ingest'),
  };
  const app = Fastify();
  registerAuth(app, store);
  app.get('/health', async () => ({ ok: true }));
  app.get('/api/dlq', async (req) => ({ who: req.actor?.name }));
  app.post('/api/dlq/:ref/payload', async (req) => ({ who: req.actor?.name }));
  app.get('/api/audit', async () => ({ entries: [] }));
  app.post('/events', async () => ({ accepted: 1 }));
  app.get('/api/unclassified', async () => ({ secret: true }));
  after(() => app.close());

  const call = (method: 'GET' | 'POST', url: string, token?: string) =>
    app.inject({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('answers public routes without a token', async () => {
    assert.equal((await call('GET', '/health')).statusCode, 200);
  });

  it('refuses a missing, malformed or unknown token with 401', async () => {
    for (const res of [await call('GET', '/api/dlq'), await call('GET', '/api/dlq', 'vgl_not-a-token'), await app.inject({ method: 'GET', url: '/api/dlq', headers: { authorization: tokens.viewer } })]) {
      assert.equal(res.statusCode, 401);
      assert.match(res.headers['www-authenticate'] as string, /^Bearer/);
      assert.deepEqual(res.json(), { error: 'a valid bearer token is required' });
    }
  });

  it('lets each role do what it is granted and refuses the rest with 403', async () => {
    assert.deepEqual((await call('GET', '/api/dlq', tokens.viewer)).json(), { who: 'vera' });
    const viewerPayload = await call('POST', '/api/dlq/0/payload', tokens.viewer);
    assert.equal(viewerPayload.statusCode, 403, 'a viewer may not see a payload');
    assert.match(viewerPayload.json().error, /needs investigator/);
    assert.deepEqual((await call('POST', '/api/dlq/0/payload', tokens.investigator)).json(), { who: 'ivan' });
    assert.equal((await call('GET', '/api/audit', tokens.investigator)).statusCode, 403);
    assert.equal((await call('GET', '/api/audit', tokens.admin)).statusCode, 200);
    assert.equal((await call('POST', '/events', tokens.viewer)).statusCode, 403, 'viewers do not send events');
    assert.equal((await call('POST', '/events', tokens.ingest)).statusCode, 200);
    assert.equal((await call('GET', '/api/dlq', tokens.ingest)).statusCode, 403, 'a sender sees nothing');
    assert.deepEqual((await call('GET', '/api/whoami', tokens.investigator)).json(), { name: 'ivan', role: 'investigator' });
  });

  it('refuses a route missing from the table even to an admin (deny by default)', async () => {
    assert.equal(ROUTE_ROLES['GET /api/unclassified'], undefined);
    assert.equal((await call('GET', '/api/unclassified', tokens.admin)).statusCode, 403);
  });

  it('stores only hashes, owner-readable, and revokes by name', async () => {
    const file = join(dir, 'keys', 'api-tokens.json');
    const text = readFileSync(file, 'utf8');
    for (const t of Object.values(tokens)) assert.ok(!text.includes(t), 'no token in the file');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.throws(() => store.create('vera', 'admin'), TokenError);
    assert.equal(store.revoke('vera'), true);
    assert.equal((await call('GET', '/api/dlq', tokens.viewer)).statusCode, 401);
  });

  it('creates, lists and revokes tokens from the command line', async () => {
    const env = { VIGIL_HOME: join(dir, 'cli-home') };
    const created = await runCli(['token', 'create', '--name', 'ops', '--role', 'viewer'], env);
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^vgl_[A-Za-z0-9_-]{32}$/);
    assert.deepEqual(new TokenStore(join(dir, 'cli-home', 'keys', 'api-tokens.json')).verify(token), { name: 'ops', role: 'viewer' });
    const listed = await runCli(['token', 'list', '--json'], env);
    assert.deepEqual((JSON.parse(listed.stdout) as { tokens: { name: string; role: string }[] }).tokens.map((t) => [t.name, t.role]), [['ops', 'viewer']]);
    assert.ok(!listed.stdout.includes(token));
    const bad = await runCli(['token', 'create', '--name', 'x', '--role', 'root'], env);
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /one of ingest, viewer, investigator, admin/);
    assert.equal((await runCli(['token', 'revoke', 'ops'], env)).code, 0);
    assert.equal((await runCli(['token', 'revoke', 'ops'], env)).code, 64);
  });
});
