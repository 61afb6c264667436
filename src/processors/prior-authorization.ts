// ai-prior-authorization (clinical-orders): for each new order of a CPT or HCPCS service, whether the
// patient's payer requires prior authorization, and if so a request packet (a FHIR Claim with use =
// preauthorization) with any missing documentation named. Pure: (event, history) -> one
// determination, on the output topic and in the store. Orders by other code systems (LOINC lab
// panels) are not billable services and get no output. Determinations hold patient data (member id,
// diagnoses, results): never log them.
import { createHash } from 'node:crypto';
import type { ClinicalEvent, JsonObject } from '../event/envelope.ts';
import { type Coding, type Coverage, type Diagnosis, type EncounterInfo, SYSTEM } from '../event/payloads.ts';
import { buildClaim } from '../clinical/prior-auth/claim.ts';
import { determine, type MissingDocumentation, type PriorAuthStatus, type ResultOnFile } from '../clinical/prior-auth/determine.ts';
import { loadPriorAuthTable, type PriorAuthTable, type Setting } from '../clinical/prior-auth/rules.ts';
import { citations } from '../clinical/risk/score.ts';
import type { Decision } from '../runtime/worker.ts';
import type { PatientHistory } from './history.ts';

export const PRIOR_AUTHORIZATION_GROUP = 'ai-prior-authorization';
export const DEFAULT_PRIOR_AUTH_TOPIC = 'ai-prior-auth-requests';

export interface PriorAuthorizationOptions {
  topic?: string;
  /** Defaults to clinical/prior-authorization.json. */
  table?: PriorAuthTable;
}

export interface PriorAuthDetermination {
  kind: 'prior_authorization';
  determination_id: string;
  patient_id: string;
  encounter_id: string | null;
  source_event_id: string;
  at: string;
  status: PriorAuthStatus;
  /** For screens that rank decisions: a request that cannot go out as it is needs attention. */
  severity: 'attention' | 'info';
  service: Coding & { service_id?: string; category?: string };
  /** inpatient, emergency or outpatient; null when the order does not say. */
  setting: Setting | null;
  payer: { id: string; name: string; rules: string } | null;
  reason: string;
  missing_documentation: MissingDocumentation[];
  /** Results worth attaching that are not on file (advisory). */
  results_not_on_file: string[];
  rule: { id: string; version: string; source: string };
  /** The request packet, when authorization is required (complete or not). */
  claim?: JsonObject;
}

export type PriorAuthorizationProcessor = (event: ClinicalEvent, history: PatientHistory) => Decision;

const SERVICE_SYSTEMS = new Set<string>([SYSTEM.cpt, SYSTEM.hcpcs]);
const ICD10 = new Set<string>([SYSTEM.icd10cm, 'http://hl7.org/fhir/sid/icd-10']);

interface OrderView {
  control?: string;
  code?: Coding;
  placerNumber?: string;
  priority?: string;
  orderingProviderId?: string;
  orderType?: string;
  reasons?: Coding[];
}

export function priorAuthorizationProcessor(options: PriorAuthorizationOptions = {}): PriorAuthorizationProcessor {
  const topic = options.topic ?? DEFAULT_PRIOR_AUTH_TOPIC;
  const table = options.table ?? loadPriorAuthTable();

  return (event, history) => {
    if (event.event_type !== 'order') return {};
    const payload = event.payload as { order?: OrderView; encounter?: EncounterInfo; diagnoses?: Diagnosis[]; coverage?: Coverage[] };
    const order = payload.order;
    if (!order || order.control?.trim().toUpperCase() !== 'NW') return {};
    const service = order.code;
    if (!service || !SERVICE_SYSTEMS.has(service.system)) return {};

    // The order's own diagnoses and reasons first, then the patient's on file.
    const diagnoses = distinct([
      ...(order.reasons ?? []),
      ...(payload.diagnoses ?? []).map((d) => d.code),
      ...history.diagnoses.map((d) => d.code),
    ].filter((c) => ICD10.has(c.system)));
    // The order's IN1 is the payer for this order; the timeline's latest coverage otherwise.
    const coverage = payload.coverage && payload.coverage.length > 0 ? payload.coverage : (history.coverage ?? []);
    const results: ResultOnFile[] = history.observations.flatMap((o) =>
      o.value !== null && o.observedAt ? [{ code: o.code, value: o.value, ...(o.units ? { units: o.units } : {}), observedAt: o.observedAt, eventId: o.eventId }] : [],
    );
    const setting = settingOf(order, payload.encounter);
    const d = determine(
      {
        service,
        ...(setting ? { setting } : {}),
        ...(order.priority ? { priority: order.priority } : {}),
        ...(order.orderingProviderId ? { orderingProviderId: order.orderingProviderId } : {}),
        coverage,
        diagnoses,
        results,
        at: event.event_timestamp,
      },
      table,
    );

    const id = determinationId(event.event_id);
    const record: PriorAuthDetermination = {
      kind: 'prior_authorization',
      determination_id: id,
      patient_id: event.patient_id,
      encounter_id: event.encounter_id,
      source_event_id: event.event_id,
      at: event.event_timestamp,
      status: d.status,
      severity: d.status === 'missing-documentation' || d.status === 'no-coverage' ? 'attention' : 'info',
      service: { ...service, ...(d.service ? { service_id: d.service.id, category: d.service.category } : {}) },
      setting: setting ?? null,
      payer: d.payer && d.coverage ? { id: d.coverage.payerId ?? d.payer.id, name: d.coverage.payerName ?? d.payer.name, rules: d.payer.id } : null,
      reason: d.reason,
      missing_documentation: d.missing,
      results_not_on_file: d.resultsNotOnFile,
      rule: { id: d.ruleId, version: table.version, source: citations(d.sources.map((s) => ({ citation: table.sources.get(s) ?? s }))) },
    };
    if (d.status === 'required' || d.status === 'missing-documentation') {
      record.claim = buildClaim(d, {
        id,
        patientId: event.patient_id,
        created: event.event_timestamp,
        service,
        ...(order.priority ? { priority: order.priority } : {}),
        ...(order.orderingProviderId ? { orderingProviderId: order.orderingProviderId } : {}),
        ...(order.placerNumber ? { placerNumber: order.placerNumber } : {}),
      }) as unknown as JsonObject;
    }
    const value = record as unknown as JsonObject;
    return { outputs: [{ topic, key: event.patient_id, value }], writes: [value] };
  };
}

/**
 * ORC-29 O (outpatient, e.g. imaging ordered for after discharge) wins; otherwise the visit's class:
 * an order within an emergency or inpatient visit is for that setting.
 */
function settingOf(order: OrderView, encounter: EncounterInfo | undefined): Setting | undefined {
  const type = order.orderType?.trim().toUpperCase();
  if (type === 'O') return 'outpatient';
  const cls = encounter?.class;
  if (cls === 'emergency') return 'emergency';
  if (cls === 'inpatient' || type === 'I') return 'inpatient';
  if (cls === 'outpatient' || cls === 'observation') return 'outpatient';
  return undefined;
}

function distinct(codes: Coding[]): Coding[] {
  const seen = new Set<string>();
  return codes.filter((c) => {
    const key = `${c.system}|${c.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Deterministic: a replay of the event gives the same id. */
export function determinationId(eventId: string): string {
  return `pa-${createHash('sha256').update(eventId).digest('hex').slice(0, 32)}`;
}
