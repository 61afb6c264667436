// The patient timeline for people: POST /api/patients/:patientId/timeline with a reason returns what
// the timeline holds for that (pseudonymous) patient, as processors see it, and records the access
// in the audit log first. Clinical data is PHI: investigators only (src/web/auth.ts), never cached.
import type { FastifyInstance } from 'fastify';
import { appendAudit } from '../store/audit-log.ts';
import type { Sql } from '../store/db.ts';
import { loadHistory } from '../store/timeline.ts';
import { actorOf } from './actor.ts';

const MAX_REASON = 500;

export function registerPatientTimeline(app: FastifyInstance, db: Sql): void {
  app.post('/api/patients/:patientId/timeline', async (req, reply) => {
    const { patientId } = req.params as { patientId: string };
    const reason = (req.body as { reason?: unknown } | undefined)?.reason;
    if (typeof reason !== 'string' || reason.trim() === '') {
      return reply.status(400).send({ error: 'viewing a patient timeline needs a reason (it is recorded in the audit log)' });
    }
    const [known] = await db.query('SELECT 1 FROM timeline_events WHERE patient_id = $1 LIMIT 1', [patientId]);
    if (!known) return reply.status(404).send({ error: 'no such patient in the timeline' });
    await appendAudit(db, { actor: actorOf(req), action: 'patient.timeline', target: patientId, reason: reason.trim().slice(0, MAX_REASON) });
    const history = await loadHistory(db, patientId, new Date().toISOString());
    return reply.header('cache-control', 'no-store').send({ timeline: history });
  });
}
