// FHIR R4 intake over HTTP, inside an app of its own prefix (/fhir):
//   POST /fhir/{resourceType}   one resource
//   POST /fhir                  a transaction Bundle (all or nothing) or a batch Bundle (per entry)
// A FHIR server answers a create with 201 and a Location to read the resource back. This intake
// stores nothing to read back: it forwards the resource as events, so it answers 202 Accepted, with
// an OperationOutcome naming the events, and only once Kafka acknowledged them (DESIGN invariant 7).
// Every error is an OperationOutcome naming the element (FHIRPath) and rule, never a value.
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { EventValidationError, type ClinicalEvent } from '../../event/envelope.ts';
import { type EventProducer, KafkaUnavailableError } from '../../kafka/event-producer.ts';
import { logger } from '../../phi/log.ts';
import { routeEvent } from '../../topology/route.ts';
import type { Topology } from '../../topology/topology.ts';
import { addIssue, FhirMappingError, type FhirIssue } from './errors.ts';
import { type BundleEntryResult, isSupportedResourceType, type MappedBundle, mapFhirBundle, mapFhirResource, SUPPORTED_RESOURCE_TYPES } from './mapper.ts';
import { isObject } from './node.ts';
import type { FhirMapOptions } from './options.ts';
import { acceptedOutcome, type EntryResponse, errorOutcome, responseBundle, simpleOutcome } from './outcome.ts';

const log = logger('fhir-intake');

export const FHIR_JSON = 'application/fhir+json';
const REPLY_TYPE = `${FHIR_JSON}; charset=utf-8`;
const SOURCE = 'urn:vigil:intake:fhir';

export interface FhirRoutesOptions {
  producer: EventProducer;
  topology: Topology;
  mapOptions: FhirMapOptions;
}

type IssueType = OperationOutcome['issue'][number]['code'];

// Fastify's own 4xx messages can quote the body (a JSON parse error does): answer with fixed text.
const CLIENT_ERRORS: Record<string, [number, IssueType, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'not-supported', `content-type must be ${FHIR_JSON} or application/json`],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'too-long', 'body is too large'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'required', 'body must not be empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'structure', 'body must be valid JSON'],
};

function answer(reply: FastifyReply, status: number, body: object): FastifyReply {
  // Serialized here: Fastify serializes objects only for JSON content types it recognises.
  return reply.status(status).type(REPLY_TYPE).send(JSON.stringify(body));
}

/** The plugin; register it with a prefix (registerFhirRoutes does, with /fhir). */
export const fhirRoutes: FastifyPluginAsync<FhirRoutesOptions> = async (app, opts) => {
  // FHIR JSON only: text/plain (which Fastify parses by default) and anything else is answered 415.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([FHIR_JSON, 'application/json'], { parseAs: 'string' }, json);

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const [status, code, text] = describeError(err);
    (status >= 500 ? log.error : log.warn).call(log, { route: req.routeOptions.url, status, code: err.code ?? err.name }, 'FHIR request failed');
    void answer(reply, status, simpleOutcome('error', code, text));
  });

  app.setNotFoundHandler((_req, reply) => {
    void answer(reply, 404, simpleOutcome('error', 'not-supported', 'only POST [base] (transaction or batch Bundle) and POST [base]/{resourceType} are served'));
  });

  app.post<{ Params: { resourceType: string } }>('/:resourceType', async (req, reply) => {
    const type = req.params.resourceType;
    if (!isSupportedResourceType(type)) {
      return refuse(reply, 404, simpleOutcome('error', 'not-supported', `resource type is not supported here (supported: ${SUPPORTED_RESOURCE_TYPES.join(', ')}); Bundles go to [base]`));
    }
    if (!isObject(req.body)) return refuse(reply, 400, simpleOutcome('error', 'structure', 'body must be a FHIR resource (a JSON object)'));
    if (req.body.resourceType !== type) {
      return refuse(reply, 400, errorOutcome([{ severity: 'error', code: 'invalid', expression: `${type}.resourceType`, diagnostics: 'must match the resource type of the URL' }]));
    }
    let events: ClinicalEvent[];
    try {
      events = mapFhirResource(req.body, opts.mapOptions);
    } catch (err) {
      if (!(err instanceof FhirMappingError)) throw err;
      return refuse(reply, 400, errorOutcome(err.issues));
    }
    const routing = routeIssues(opts.topology, events, type);
    if (routing.length > 0) return refuse(reply, 400, errorOutcome(routing));
    if (!(await deliver(opts.producer, reply, events))) return reply;
    log.info({ type, count: events.length }, 'FHIR resource accepted');
    return answer(reply, 202, acceptedOutcome(events));
  });

  app.post('/', async (req, reply) => {
    let mapped: MappedBundle;
    try {
      mapped = mapFhirBundle(req.body, opts.mapOptions);
    } catch (err) {
      if (!(err instanceof FhirMappingError)) throw err;
      return refuse(reply, 400, errorOutcome(err.issues));
    }
    const { entries } = mapped;
    for (const e of entries) {
      const routing = routeIssues(opts.topology, e.events, `Bundle.entry[${e.index}].resource`);
      if (routing.length > 0) {
        e.issues.push(...routing);
        e.events = [];
      }
    }

    if (mapped.type === 'transaction') {
      // All or nothing: one bad entry refuses the Bundle, and nothing of it is written.
      const issues: FhirIssue[] = [];
      for (const e of entries) for (const i of e.issues) addIssue(issues, i.code, i.expression, i.diagnostics);
      if (issues.length > 0) return refuse(reply, 400, errorOutcome(issues));
      if (!(await deliver(opts.producer, reply, entries.flatMap((e) => e.events)))) return reply;
      log.info({ bundle: 'transaction', entries: entries.length }, 'FHIR bundle accepted');
      return answer(reply, 202, responseBundle('transaction-response', entries.map((e) => entryResponse(e, entries))));
    }

    // Batch: each entry stands alone; the valid ones are written, the others answered 400.
    const accepted = entries.filter((e) => entryAccepted(e, entries));
    if (!(await deliver(opts.producer, reply, accepted.flatMap((e) => e.events)))) return reply;
    log.info({ bundle: 'batch', entries: entries.length, accepted: accepted.length }, 'FHIR bundle processed');
    return answer(reply, 200, responseBundle('batch-response', entries.map((e) => entryResponse(e, entries))));
  });
};

/** Adds the FHIR intake to an app under /fhir, with its own body parser, errors and 404s. */
export function registerFhirRoutes(app: FastifyInstance, opts: FhirRoutesOptions): void {
  void app.register(fhirRoutes, { ...opts, prefix: '/fhir' });
}

function describeError(err: FastifyError): [number, IssueType, string] {
  const known = CLIENT_ERRORS[err.code];
  if (known) return known;
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  if (status === 500) return [500, 'exception', 'internal error'];
  if (err instanceof SyntaxError) return [400, 'structure', 'body must be valid JSON'];
  return [status, 'invalid', 'bad request'];
}

function refuse(reply: FastifyReply, status: number, outcome: OperationOutcome): FastifyReply {
  log.warn({ route: reply.request.routeOptions.url, status, issues: outcome.issue.length }, 'FHIR request refused');
  return answer(reply, status, outcome);
}

/** Routing problems (a topic keyed by a field the event lacks), as issues at the resource. */
function routeIssues(topology: Topology, events: readonly ClinicalEvent[], expression: string): FhirIssue[] {
  const issues: FhirIssue[] = [];
  for (const event of events) {
    try {
      routeEvent(topology, event);
    } catch (err) {
      if (!(err instanceof EventValidationError)) throw err;
      for (const e of err.errors) addIssue(issues, 'invalid', expression, `mapped event: ${e.field} ${e.rule}`);
    }
  }
  return issues;
}

/** Writes the events (each id once); false when Kafka did not acknowledge and 503 was answered. */
async function deliver(producer: EventProducer, reply: FastifyReply, events: readonly ClinicalEvent[]): Promise<boolean> {
  const unique = [...new Map(events.map((e) => [e.event_id, e])).values()];
  const started = performance.now();
  try {
    const records = await producer.send(unique, { source: SOURCE, receivedTime: new Date().toISOString() });
    log.info({ count: unique.length, records, ms: Math.round(performance.now() - started) }, 'events written');
    return true;
  } catch (err) {
    if (!(err instanceof KafkaUnavailableError)) throw err;
    log.error({ count: unique.length, reason: err.message }, 'Kafka did not acknowledge');
    // Resending is safe: the same resource version yields the same event ids.
    void answer(reply.header('retry-after', '5'), 503, simpleOutcome('error', 'transient', 'not accepted: Kafka did not acknowledge the events; retry later'));
    return false;
  }
}

/** An Observation carried by reports stands or falls with them; anything else with its own issues. */
function entryAccepted(entry: BundleEntryResult, all: readonly BundleEntryResult[]): boolean {
  if (entry.issues.length > 0) return false;
  return entry.carriedBy.length === 0 || entry.carriedBy.some((i) => all[i]?.issues.length === 0);
}

function entryResponse(entry: BundleEntryResult, all: readonly BundleEntryResult[]): EntryResponse {
  const path = `Bundle.entry[${entry.index}].resource`;
  if (entryAccepted(entry, all)) {
    if (entry.carriedBy.length === 0) return { status: '202 Accepted', outcome: acceptedOutcome(entry.events, path) };
    const carriers = entry.carriedBy.filter((i) => all[i]?.issues.length === 0);
    return {
      status: '202 Accepted',
      outcome: simpleOutcome('information', 'informational', `carried in the lab_result event of ${carriers.map((i) => `Bundle.entry[${i}]`).join(', ')}`),
    };
  }
  if (entry.issues.length > 0) return { status: '400 Bad Request', outcome: errorOutcome(entry.issues) };
  const carriers = entry.carriedBy.map((i) => `Bundle.entry[${i}]`).join(', ');
  return {
    status: '400 Bad Request',
    outcome: errorOutcome([{ severity: 'error', code: 'invalid', expression: path, diagnostics: `listed as a result of a report that was not accepted: ${carriers}` }]),
  };
}
