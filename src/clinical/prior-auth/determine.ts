// Whether an ordered service needs prior authorization, and what the request lacks. Pure: the
// order's facts, the patient's coverage, diagnoses and results -> a determination. A packet is
// built only when authorization is required; documentation that is not on file is named, never
// assumed.
import type { Coding, Coverage } from '../../event/payloads.ts';
import { matchesIcd, type PayerRules, type PriorAuthTable, type ResultRule, type Service, type Setting } from './rules.ts';

export type PriorAuthStatus = 'not-required' | 'required' | 'missing-documentation' | 'no-coverage';

export interface ResultOnFile {
  code: Coding;
  value: number | string;
  units?: string;
  observedAt: string;
  eventId?: string;
}

export interface OrderFacts {
  service: Coding;
  /** Where the service is to be done; undefined when the order does not say. */
  setting?: Setting;
  priority?: string;
  orderingProviderId?: string;
  /** Primary first. */
  coverage: Coverage[];
  /** ICD-10 codes: the order's own first, then the patient's on file. */
  diagnoses: Coding[];
  /** The patient's results, any order. */
  results: ResultOnFile[];
  at: string;
}

export interface MissingDocumentation {
  item: 'supporting-diagnosis' | 'ordering-provider' | 'member-id';
  detail: string;
}

export interface Determination {
  status: PriorAuthStatus;
  reason: string;
  service?: Service;
  payer?: PayerRules;
  coverage?: Coverage;
  /** Diagnoses on file that support the service. */
  supporting: Coding[];
  missing: MissingDocumentation[];
  /** Results worth attaching, found on file. */
  attachments: { label: string; result: ResultOnFile }[];
  /** Results worth attaching that are not on file (advisory, not blocking). */
  resultsNotOnFile: string[];
  ruleId: string;
  sources: string[];
}

const DAY = 86_400_000;

export function determine(facts: OrderFacts, table: PriorAuthTable): Determination {
  const base = { supporting: [], missing: [], attachments: [], resultsNotOnFile: [] };
  const code = facts.service.code;
  const serviceId = table.byCode.get(code);
  const service = serviceId ? table.services.get(serviceId) : undefined;
  if (!service) {
    return { ...base, status: 'not-required', reason: `${code} is on no payer's prior-authorization list`, ruleId: 'prior-auth:unlisted', sources: [] };
  }
  const coverage = facts.coverage.find((c) => c.payerId !== undefined && c.payerId.trim() !== '');
  if (!coverage) {
    return {
      ...base,
      service,
      status: 'no-coverage',
      reason: `no insurance coverage on file (IN1 or FHIR Coverage): no payer to ask for authorization of ${service.display}`,
      ruleId: `prior-auth:no-coverage:${service.id}`,
      sources: [service.source],
    };
  }
  const payer = table.payers.get(coverage.payerId as string) ?? (table.payers.get('default') as PayerRules);
  const ruleId = `prior-auth:${payer.id}:${service.id}`;
  const sources = [payer.source, service.source];
  if (!payer.requires.has(service.id)) {
    return { ...base, service, payer, coverage, status: 'not-required', reason: `${payer.name} does not require authorization for ${service.display}`, ruleId, sources };
  }
  if (facts.setting && payer.exemptSettings.has(facts.setting)) {
    return { ...base, service, payer, coverage, status: 'not-required', reason: `${service.display} ordered for the ${facts.setting} setting, which ${payer.name} exempts from prior authorization`, ruleId, sources };
  }

  const supporting = facts.diagnoses.filter((d) => service.supportingDiagnoses.some((p) => matchesIcd(p.match, d.code)));
  const missing: MissingDocumentation[] = [];
  if (supporting.length === 0) {
    missing.push({ item: 'supporting-diagnosis', detail: `no diagnosis on file supports ${service.display}; expected one of ${service.supportingDiagnoses.map((p) => p.text).join(', ')} (ICD-10-CM)` });
  }
  if (!facts.orderingProviderId) missing.push({ item: 'ordering-provider', detail: 'the order names no ordering provider (NPI)' });
  if (!coverage.memberId) missing.push({ item: 'member-id', detail: 'the coverage has no member id (IN1-36)' });

  const wanted: ResultRule[] = [...service.relevantResults, ...(service.contrastCodes.includes(code) ? [table.contrastResults] : [])];
  const attachments: Determination['attachments'] = [];
  const resultsNotOnFile: string[] = [];
  for (const rule of wanted) {
    const found = newestResult(facts.results, rule, facts.at);
    if (found) attachments.push({ label: rule.label, result: found });
    else resultsNotOnFile.push(`${rule.label} within ${rule.maxAgeDays} days`);
  }
  const setting = facts.setting ?? 'outpatient (the order gives no setting)';
  return {
    service,
    payer,
    coverage,
    status: missing.length === 0 ? 'required' : 'missing-documentation',
    reason: `${payer.name} requires authorization for ${service.display} (${setting})${missing.length === 0 ? '' : `; missing: ${missing.map((m) => m.item).join(', ')}`}`,
    supporting,
    missing,
    attachments,
    resultsNotOnFile,
    ruleId,
    sources,
  };
}

function newestResult(results: readonly ResultOnFile[], rule: ResultRule, at: string): ResultOnFile | undefined {
  const until = Date.parse(at);
  const since = until - rule.maxAgeDays * DAY;
  let best: ResultOnFile | undefined;
  for (const r of results) {
    const t = Date.parse(r.observedAt);
    if (!rule.loinc.includes(r.code.code) || Number.isNaN(t) || t < since || t > until) continue;
    if (!best || t > Date.parse(best.observedAt)) best = r;
  }
  return best;
}
