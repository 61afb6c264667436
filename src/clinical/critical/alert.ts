// The alert record: what goes to the alerts topic and the store. Its explanation names the patient's
// value, so the record is PHI, protected like payloads: it is written to the topic and the store
// only, and must never be logged.
import { createHash } from 'node:crypto';
import type { ClinicalEvent } from '../../event/envelope.ts';
import type { Coding } from '../../event/payloads.ts';
import { SYSTEM } from '../../event/payloads.ts';
import type { Assessment, CriticalFinding, DeltaAlertFinding } from './evaluate.ts';
import { flagMeaning } from './flags.ts';
import type { NotJudged } from './limits.ts';
import type { CriticalLimit } from './table.ts';
import { displayUnits } from './units.ts';

export type Severity = 'critical' | 'high';

export type LimitCheck = 'breached' | 'within' | 'no-limit' | 'no-value' | NotJudged;

export type AlertDelta = {
  rule_id: string;
  source: string;
  direction: 'rise' | 'fall';
  previous: { value: number | string | null; units: string | null; observedAt: string; event_id: string };
  /** Current minus previous, in `units`. */
  change: number;
  units: string;
  hours_apart: number;
  threshold: { change: number; within_hours: number };
};

export type CriticalAlert = {
  alert_id: string;
  patient_id: string;
  encounter_id: string | null;
  source_event_id: string;
  severity: Severity;
  rule: { id: string; version: string; source: string };
  observation: { code: Coding; value: number | string | null; units: string | null; observedAt: string; status: string; flags: string[] };
  limit: { low?: number; high?: number; units: string; lowInclusive?: true; highInclusive?: true; flag?: string };
  /** Whether the table's limit was applied, and if not, why (unconvertible units, no limit, ...). */
  limit_check: LimitCheck;
  /** The value in the limit's units, when it had to be converted. */
  converted?: { value: number; units: string };
  /** Set for a preliminary result that paged on the laboratory's critical flag. */
  preliminary?: true;
  explanation: string;
  delta?: AlertDelta;
};

/** Deterministic: the same event, rule and observation code always give the same id, so replays upsert. */
export function alertId(eventId: string, ruleId: string, code: Coding, occurrence = 0): string {
  const codeText = `${code.system}|${code.code}${occurrence > 0 ? `#${occurrence}` : ''}`;
  return createHash('sha256').update(`${eventId}\n${ruleId}\n${codeText}`).digest('hex').slice(0, 32);
}

const fmt = (n: number): string => String(Number(n.toFixed(2)));

function withUnits(value: string, units: string | undefined): string {
  const u = displayUnits(units);
  return u ? `${value} ${u}` : value;
}

function analyteName(a: Assessment): string {
  const { code } = a.observation;
  return a.limit?.display ?? code.display ?? (code.system === SYSTEM.loinc ? `LOINC ${code.code}` : `test ${code.code}`);
}

function limitCheck(a: Assessment): LimitCheck {
  if (!a.limit) return 'no-limit';
  if (!a.outcome) return 'no-value';
  if (a.outcome.status === 'critical') return 'breached';
  return a.outcome.status === 'within' ? 'within' : a.outcome.reason;
}

function limitRecord(limit: CriticalLimit | undefined, fallbackUnits: string, flag: string | undefined): CriticalAlert['limit'] {
  return {
    ...(limit?.low !== undefined ? { low: limit.low } : {}),
    ...(limit?.high !== undefined ? { high: limit.high } : {}),
    units: limit?.units ?? fallbackUnits,
    ...(limit?.lowInclusive ? { lowInclusive: true as const } : {}),
    ...(limit?.highInclusive ? { highInclusive: true as const } : {}),
    ...(flag ? { flag } : {}),
  };
}

const REASONS: Record<NotJudged, string> = {
  'units-missing': 'it was sent without units',
  'units-unknown': 'its units are not ones the converter knows',
  'units-incompatible': 'its units cannot be converted to the table units',
  'value-not-numeric': 'its value is not a number',
  'bound-inconclusive': 'its value is a bound that does not reach the limit',
};

function limitSentence(a: Assessment, limit: CriticalLimit): string {
  const o = a.outcome;
  if (o?.status !== 'critical') return '';
  const side = o.direction === 'low' ? 'low' : 'high';
  const inclusive = side === 'low' ? limit.lowInclusive : limit.highInclusive;
  const relation = side === 'low' ? (inclusive ? 'at or below' : 'below') : inclusive ? 'at or above' : 'above';
  const bound = (side === 'low' ? limit.low : limit.high) as number;
  const converted = o.converted ? ` (${withUnits(`${o.comparator ?? ''}${fmt(o.value)}`, limit.units)})` : '';
  return `${analyteName(a)} ${withUnits(String(a.observation.value), a.observation.units)}${converted} is ${relation} the critical ${side} limit of ${withUnits(String(bound), limit.units)}.`;
}

function flagSentence(a: Assessment): string {
  if (!a.flag) return '';
  const reported = withUnits(String(a.observation.value ?? ''), a.observation.units).trim();
  const lead = `${analyteName(a)}${reported ? ` ${reported}` : ''} was flagged ${flagMeaning(a.flag)} (${a.flag}) by the performing laboratory.`;
  const o = a.outcome;
  if (!a.limit) return `${lead} The site table has no critical limit for this test.`;
  if (!o) return lead;
  if (o.status === 'within') return `${lead} It is inside the site table's critical limits; the laboratory's flag is honoured.`;
  if (o.status === 'not-judged') return `${lead} The site table's limits were not applied because ${REASONS[o.reason]} (table units ${displayUnits(a.limit.units) || 'none'}).`;
  return lead;
}

function deltaSentence(d: DeltaAlertFinding): string {
  const { check, previousValue, currentValue, change, hoursApart } = d.finding;
  const verb = check.direction === 'fall' ? 'fell' : 'rose';
  return (
    `${check.display} ${verb} from ${fmt(previousValue)} to ${withUnits(fmt(currentValue), check.units)} (a ${check.direction} of ${withUnits(fmt(Math.abs(change)), check.units)}) in ${fmt(hoursApart)} h; ` +
    `the delta check fires on a ${check.direction} of ${withUnits(String(check.change), check.units)} or more within ${check.withinHours} h.`
  );
}

function deltaRecord(d: DeltaAlertFinding): AlertDelta {
  const { check, previous, change, hoursApart } = d.finding;
  return {
    rule_id: d.ruleId,
    source: d.source,
    direction: check.direction,
    previous: { value: previous.value, units: previous.units ?? null, observedAt: previous.observedAt as string, event_id: previous.eventId },
    change,
    units: check.units,
    hours_apart: hoursApart,
    threshold: { change: check.change, within_hours: check.withinHours },
  };
}

export interface AlertInput {
  event: ClinicalEvent;
  assessment: Assessment;
  /** What pages: the critical finding, or the delta alone (severity high). */
  paging: { kind: 'critical'; finding: CriticalFinding } | { kind: 'delta'; finding: DeltaAlertFinding };
  version: string;
  /** How many observations with the same code came before this one in the event. */
  occurrence: number;
}

export function buildAlert({ event, assessment: a, paging, version, occurrence }: AlertInput): CriticalAlert {
  const obs = a.observation;
  const delta = paging.kind === 'delta' ? paging.finding : a.delta;
  const sentences: string[] = [];
  if (paging.kind === 'critical') {
    if (paging.finding.basis === 'limit' && a.limit) {
      sentences.push(limitSentence(a, a.limit));
      if (a.flag) sentences.push(`The laboratory flagged it ${flagMeaning(a.flag)} (${a.flag}).`);
    } else sentences.push(flagSentence(a));
  }
  if (delta) sentences.push(deltaSentence(delta));
  if (a.status === 'preliminary') sentences.push('This is a preliminary result, paged on the laboratory critical flag; confirm with the final report.');
  const ruleId = paging.finding.ruleId;
  const o = a.outcome;
  return {
    alert_id: alertId(event.event_id, ruleId, obs.code, occurrence),
    patient_id: event.patient_id,
    encounter_id: event.encounter_id,
    source_event_id: event.event_id,
    severity: paging.kind === 'critical' ? 'critical' : 'high',
    rule: { id: ruleId, version, source: paging.finding.source },
    observation: { code: obs.code, value: obs.value, units: obs.units ?? null, observedAt: a.observedAt, status: obs.status, flags: obs.abnormalFlags ?? [] },
    limit: limitRecord(a.limit, paging.kind === 'delta' ? paging.finding.finding.check.units : (obs.units ?? ''), a.flag),
    limit_check: limitCheck(a),
    ...(o && o.status !== 'not-judged' && o.converted ? { converted: { value: o.value, units: o.units } } : {}),
    ...(a.status === 'preliminary' ? { preliminary: true as const } : {}),
    explanation: sentences.filter((s) => s !== '').join(' '),
    ...(delta ? { delta: deltaRecord(delta) } : {}),
  };
}
