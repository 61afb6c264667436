// Who is acting, for every dashboard action: the one place an authentication hook will decide it.
// There is no authentication yet (a later issue), so the actor names the dashboard and the client
// address; resolutions and the audit log record it.
import type { FastifyRequest } from 'fastify';

export function actorOf(req: FastifyRequest): string {
  return `dashboard@${req.ip}`;
}
