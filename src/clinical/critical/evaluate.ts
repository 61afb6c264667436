// The rule engine for one observation: the table's limit (after unit conversion), the laboratory's
// critical flag, and the delta checks against the patient's previous value. What it returns is a
// judgement only; paging, repeat suppression and records are the processor's business.
import type { Coding, Observation } from '../../event/payloads.ts';
import { SYSTEM } from '../../event/payloads.ts';
import type { PastObservation } from '../../processors/history.ts';
import { checkDelta, type DeltaFinding } from './delta.ts';
import { type CriticalFlag, criticalFlag, type Direction, flagDirection, flagMeaning } from './flags.ts';
import { judgeAgainstLimit, type LimitOutcome } from './limits.ts';
import { type Worse, valueFingerprint } from './repeat.ts';
import { chemistryOf, citation, type CriticalLimit, type CriticalTable } from './table.ts';
import { normaliseUnits } from './units.ts';

/** F final and C corrected page; P preliminary only by policy; anything else (X cancelled, I pending...) never. */
export type ResultStatus = 'final' | 'preliminary' | 'other';

/**
 * What a preliminary result may do. 'when-flagged' (the default): it pages only when the
 * laboratory itself flagged it critical (LL, HH or AA), because the lab has then already called it
 * and waiting for the final report delays treatment; without such a flag it waits for the final.
 * 'never': preliminary results do not page.
 */
export type PreliminaryPolicy = 'when-flagged' | 'never';

export function resultStatus(status: unknown): ResultStatus {
  const s = typeof status === 'string' ? status.trim().toUpperCase() : '';
  if (s === 'F' || s === 'C') return 'final';
  if (s === 'P') return 'preliminary';
  return 'other';
}

export interface CriticalFinding {
  /** `critical:<analyte>-<low|high|abnormal>`: the same whether the limit or the flag decided. */
  ruleId: string;
  direction: Direction;
  /** What decided: the table's limit, or the laboratory's flag alone. */
  basis: 'limit' | 'flag';
  /** Citation of the limit entry, or of the flag. */
  source: string;
  fingerprint: string;
  worse: Worse;
}

export interface DeltaAlertFinding {
  /** `delta:<check id>`. */
  ruleId: string;
  finding: DeltaFinding;
  source: string;
  fingerprint: string;
  worse: Worse;
}

export interface Assessment {
  observation: Observation;
  /** Observation time, or the event time when the sender gave none. */
  observedAt: string;
  status: ResultStatus;
  limit?: CriticalLimit;
  /** Set when the table has a limit for the code (and the result has a value). */
  outcome?: LimitOutcome;
  flag?: CriticalFlag;
  critical?: CriticalFinding;
  delta?: DeltaAlertFinding;
  /** Preliminary, critical by table or flag, and held back by the preliminary policy. */
  held?: boolean;
}

export interface AssessContext {
  table: CriticalTable;
  /** The patient's earlier observations (history.observations). */
  past: readonly PastObservation[];
  eventId: string;
  eventTime: string;
  preliminary: PreliminaryPolicy;
}

const WORSE: Record<Direction, Worse> = { low: 'lower', high: 'higher', abnormal: 'different' };

/** A rule-id-safe name for a code the table does not know. */
export function codeKey(code: Coding): string {
  const safe = String(code.code).replace(/[^A-Za-z0-9.-]/g, '_');
  return code.system === SYSTEM.loinc ? `loinc-${safe}` : `code-${safe}`;
}

function flagSource(flag: CriticalFlag): string {
  return `HL7 v2 abnormal flag ${flag} (${flagMeaning(flag)}, table 0078) set by the performing laboratory`;
}

function findCritical(obs: Observation, limit: CriticalLimit | undefined, outcome: LimitOutcome | undefined, flag: CriticalFlag | undefined, table: CriticalTable): CriticalFinding | undefined {
  const key = limit?.analyte ?? codeKey(obs.code);
  if (limit && outcome?.status === 'critical') {
    const value = outcome.comparator ? `${outcome.comparator}${outcome.value}` : outcome.value;
    return {
      ruleId: `critical:${key}-${outcome.direction}`,
      direction: outcome.direction,
      basis: 'limit',
      source: citation(table, limit.source),
      fingerprint: valueFingerprint(value, limit.units),
      worse: WORSE[outcome.direction],
    };
  }
  if (!flag) return undefined;
  const direction = flagDirection(flag);
  // In the table's units when the value could be read in them, so a later limit breach compares with it.
  const fingerprint =
    outcome?.status === 'within' ? valueFingerprint(outcome.value, outcome.units) : valueFingerprint(obs.value, obs.units === undefined ? undefined : (normaliseUnits(obs.units) ?? obs.units));
  return { ruleId: `critical:${key}-${direction}`, direction, basis: 'flag', source: flagSource(flag), fingerprint, worse: WORSE[direction] };
}

function findDelta(obs: Observation, observedAt: string, ctx: AssessContext): DeltaAlertFinding | undefined {
  if (obs.code.system !== SYSTEM.loinc) return undefined;
  const chem = chemistryOf(ctx.table, obs.code.code);
  for (const check of ctx.table.deltaChecks) {
    if (!check.loinc.includes(obs.code.code)) continue;
    const finding = checkDelta(check, { value: obs.value, units: obs.units, observedAt, eventId: ctx.eventId }, ctx.past, chem);
    if (finding) {
      return {
        ruleId: `delta:${check.id}`,
        finding,
        source: citation(ctx.table, check.source),
        fingerprint: valueFingerprint(finding.currentValue, check.units),
        worse: check.direction === 'fall' ? 'lower' : 'higher',
      };
    }
  }
  return undefined;
}

/** Judges one observation of a lab_result event. */
export function assessObservation(obs: Observation, ctx: AssessContext): Assessment {
  const observedAt = obs.observedAt ?? ctx.eventTime;
  const status = resultStatus(obs.status);
  const limit = obs.code.system === SYSTEM.loinc ? ctx.table.limits.get(obs.code.code) : undefined;
  const outcome = limit && obs.value !== null && obs.value !== undefined ? judgeAgainstLimit(obs.value, obs.units, limit) : undefined;
  const flag = criticalFlag(obs.abnormalFlags);
  const base: Assessment = { observation: obs, observedAt, status, ...(limit ? { limit } : {}), ...(outcome ? { outcome } : {}), ...(flag ? { flag } : {}) };
  if (status === 'other') return base;
  if (status === 'preliminary' && !(ctx.preliminary === 'when-flagged' && flag)) {
    const critical = outcome?.status === 'critical' || flag !== undefined;
    return critical ? { ...base, held: true } : base;
  }
  const critical = findCritical(obs, limit, outcome, flag, ctx.table);
  const delta = findDelta(obs, observedAt, ctx);
  return { ...base, ...(critical ? { critical } : {}), ...(delta ? { delta } : {}) };
}
