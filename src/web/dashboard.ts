// The web dashboard: a static page (static/) and the JSON API it polls. Consumer groups with lag
// and status, throughput, the latest AI decisions (critical alerts first), the DLQ (metadata; a
// payload only as an explicit, audited action), parked keys, replay and release. Responses carry
// ids, types, counts and times: never a key, a name, an MRN or a payload unless asked for one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Attribution, DlqError, type RedeliveryResult, dlqEntryJson } from '../runtime/dlq.ts';
import { actorOf } from './actor.ts';
import type { DashboardDeps } from './deps.ts';

const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/static/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/static/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};
// Nothing from elsewhere: no CDN, no inline script.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";
const MAX_REASON = 500;


function resultJson(r: RedeliveryResult): Record<string, unknown> {
  return {
    released: r.released,
    redelivered: r.redelivered.map((d) => ({ ref: d.ref, eventId: d.eventId, follower: d.follower, topic: d.topic, partition: d.partition, offset: Number(d.offset) })),
  };
}

function limitOf(query: unknown, fallback: number, max: number): number {
  const n = Number((query as { limit?: string }).limit);
  return Number.isInteger(n) && n > 0 ? Math.min(n, max) : fallback;
}

/** Who acts and why: the reason from the body, trimmed and bounded. */
function attribution(req: FastifyRequest): Attribution {
  const reason = (req.body as { reason?: unknown } | undefined)?.reason;
  return { actor: actorOf(req), ...(typeof reason === 'string' && reason.trim() !== '' ? { reason: reason.trim().slice(0, MAX_REASON) } : {}) };
}

/** A DLQ error is the caller's (no such entry, no reason given); its message holds no data. */
async function answer(reply: FastifyReply, work: () => Promise<unknown>): Promise<unknown> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof DlqError)) throw err;
    return reply.status(/^no /.test(err.message) ? 404 : 400).send({ error: err.message });
  }
}

export function registerDashboard(app: FastifyInstance, deps: DashboardDeps): void {
  const dir = join(import.meta.dirname, 'static');
  for (const [url, { file, type }] of Object.entries(STATIC)) {
    const body = readFileSync(join(dir, file));
    app.get(url, async (_req, reply) => reply.header('content-type', type).header('content-security-policy', CSP).header('cache-control', 'no-cache').send(body));
  }

  app.get('/api/groups', async () => {
    const report = deps.lag();
    const stats = new Map(deps.throughput().map((t) => [t.group, t]));
    const groups = (report?.groups ?? []).map((g) => ({
      group: g.group,
      status: g.status as string,
      reason: g.reason,
      state: g.state,
      members: g.members,
      lag: g.totalLag,
      lagSeconds: g.maxLagSeconds,
      partitions: g.partitions.filter((p) => p.lag > 0).map((p) => ({ topic: p.topic, partition: p.partition, lag: p.lag, lagSeconds: p.lagSeconds })),
      throughput: stats.get(g.group) ?? null,
    }));
    // Workers the lag sample does not know yet (or at all) still show their throughput.
    for (const [group, t] of stats) if (!groups.some((g) => g.group === group)) groups.push({ group, status: 'UNKNOWN', reason: 'no lag sample yet', state: '', members: 0, lag: 0, lagSeconds: 0, partitions: [], throughput: t });
    return { at: Date.now(), sampledAt: report?.at ?? null, groups };
  });

  app.get('/api/decisions', async (req) => ({ decisions: await deps.decisions(limitOf(req.query, 50, 500)) }));

  app.get('/api/dlq', async (req) => {
    const { all, group } = req.query as { all?: string; group?: string };
    const entries = await deps.dlqEntries();
    const open = entries.filter((e) => e.state === 'open');
    const openByGroup: Record<string, number> = {};
    for (const e of open) openByGroup[e.group] = (openByGroup[e.group] ?? 0) + 1;
    const shown = (all === '1' || all === 'true' ? entries : open).filter((e) => !group || e.group === group);
    return { open: open.length, total: entries.length, openByGroup, entries: shown.map(dlqEntryJson) };
  });

  app.get('/api/dlq/:ref', (req, reply) => answer(reply, async () => dlqEntryJson(await deps.dlqEntry((req.params as { ref: string }).ref))));

  app.post('/api/dlq/:ref/payload', (req, reply) =>
    answer(reply, async () => {
      const by = attribution(req);
      if (!by.reason) return reply.status(400).send({ error: 'viewing a payload needs a reason (it is recorded in the audit log)' });
      const viewed = await deps.viewPayload((req.params as { ref: string }).ref, by);
      return reply.header('cache-control', 'no-store').send(viewed);
    }),
  );

  app.post('/api/dlq/:ref/replay', (req, reply) => answer(reply, async () => resultJson(await deps.replay((req.params as { ref: string }).ref, attribution(req)))));
  app.post('/api/dlq/:ref/purge', (req, reply) => answer(reply, () => deps.purge({ ref: (req.params as { ref: string }).ref }, attribution(req))));
  app.post('/api/dlq/groups/:group/replay', (req, reply) => answer(reply, async () => resultJson(await deps.replayGroup((req.params as { group: string }).group, attribution(req)))));
  app.post('/api/dlq/groups/:group/purge', (req, reply) => answer(reply, () => deps.purge({ group: (req.params as { group: string }).group }, attribution(req))));

  app.get('/api/parked', async () => ({ keys: await deps.parkedKeys() }));
  app.post('/api/parked/:group/:keyRef/release', (req, reply) =>
    answer(reply, async () => {
      const { group, keyRef } = req.params as { group: string; keyRef: string };
      return resultJson(await deps.release(group, keyRef, attribution(req)));
    }),
  );

  app.get('/api/audit', async (req) => ({ entries: await deps.audit(limitOf(req.query, 50, 1_000)) }));
}
