// JSON intake over HTTP: POST /events takes one event or an array of them and answers 202 only
// after Kafka acknowledged every record; 400 names each bad field and rule, never a value.
import Fastify, { type FastifyInstance, type FastifyError } from 'fastify';
import { type FieldError, EventValidationError, INTERNAL_EVENT_TYPES, validateEvent, type ClinicalEvent } from '../event/envelope.ts';
import { type EventProducer, KafkaUnavailableError } from '../kafka/event-producer.ts';
import { logger } from '../phi/log.ts';
import { routeEvent } from '../topology/route.ts';
import type { Topology } from '../topology/topology.ts';

const log = logger('http-intake');

export const MAX_BATCH = 1_000;
const BODY_LIMIT = 8 * 1024 * 1024;
const SOURCE = 'urn:vigil:intake:http';

export interface IndexedFieldError extends FieldError {
  /** Position in the batch (0 for a single event). */
  index: number;
}

export interface IntakeOptions {
  producer: EventProducer;
  topology: Topology;
}

// Fastify's own 4xx messages can quote the body (a JSON parse error does): answer with fixed text.
const CLIENT_ERRORS: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'content-type must be application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: `body must be at most ${BODY_LIMIT} bytes`,
  FST_ERR_CTP_EMPTY_JSON_BODY: 'body must not be empty',
  FST_ERR_CTP_INVALID_JSON_BODY: 'body must be valid JSON',
};

export function buildIntake(opts: IntakeOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    const message = status === 500 ? 'internal error' : (CLIENT_ERRORS[err.code] ?? (err instanceof SyntaxError ? 'body must be valid JSON' : 'bad request'));
    log.warn({ route: req.routeOptions.url, status, code: err.code ?? err.name }, 'request failed');
    void reply.status(status).send({ error: message });
  });

  app.get('/health', async () => ({ status: 'ok' }));

  app.post('/events', async (req, reply) => {
    const items = Array.isArray(req.body) ? (req.body as unknown[]) : [req.body];
    if (items.length === 0 || items.length > MAX_BATCH) {
      return reply.status(400).send({ error: `body must hold 1 to ${MAX_BATCH} events` });
    }
    const errors: IndexedFieldError[] = [];
    const events: ClinicalEvent[] = [];
    items.forEach((item, index) => {
      try {
        const event = validateEvent(item);
        if (INTERNAL_EVENT_TYPES.includes(event.event_type)) throw new EventValidationError([{ field: 'event_type', rule: 'is made by vigil itself, not accepted from senders' }]);
        routeEvent(opts.topology, event);
        events.push(event);
      } catch (err) {
        if (!(err instanceof EventValidationError)) throw err;
        errors.push(...err.errors.map((e) => ({ index, ...e })));
      }
    });
    // All or nothing: a sender fixing a batch resends all of it, and event ids make that safe.
    if (errors.length > 0) return reply.status(400).send({ error: 'invalid events', errors });

    const started = performance.now();
    try {
      const records = await opts.producer.send(events, { source: SOURCE, receivedTime: new Date().toISOString() });
      log.info({ count: events.length, records, ms: Math.round(performance.now() - started) }, 'events accepted');
      return reply.status(202).send({ accepted: events.length, event_ids: events.map((e) => e.event_id) });
    } catch (err) {
      if (!(err instanceof KafkaUnavailableError)) throw err;
      log.error({ count: events.length, reason: err.message }, 'Kafka did not acknowledge');
      return reply.status(503).header('retry-after', '5').send({ error: 'events not accepted: Kafka did not acknowledge them; retry later' });
    }
  });

  return app;
}
