// What the rules found, as structured facts and no prose: the seam between judging and phrasing.
// The deterministic phrasers (phrase-clinician.ts, phrase-plain.ts) turn facts into the two
// explanations; a later LLM step would phrase the same facts, so judging never depends on it.
// Facts hold patient values: they go to the output topic and store only, never to logs.
import type { Coding, ReferenceRange } from '../../event/payloads.ts';
import { readNumeric } from '../critical/values.ts';
import { canonicalUnits, type Reading } from './readings.ts';
import type { Morphology, RuleRef, Severity } from './rules.ts';

export interface Quantity {
  value: number;
  units: string;
}

export interface TimedQuantity extends Quantity {
  observedAt: string;
}

/** A result a finding used, as reported (with its time and event), and converted when it had to be. */
export interface ValueUsed {
  role: string;
  code: Coding;
  value: number | string;
  units: string | null;
  observedAt: string;
  event_id: string;
  converted?: Quantity;
  preliminary?: true;
}

/** How a test is named: `plain` is absent for a test the rules do not know (patient text then names no test). */
export interface TestName {
  display: string;
  plain?: string;
}

export interface TrendFacts {
  direction: 'rising' | 'falling' | 'stable' | 'variable';
  /** Results in the series, the current one included. */
  points: number;
  first: TimedQuantity;
  last: TimedQuantity;
  /** last - first. */
  change: number;
  hours: number;
  /** Smaller total changes count as stable. */
  tolerance: number;
}

export interface AkiFacts {
  kind: 'aki';
  test: TestName;
  stage: 1 | 2 | 3;
  /** Which KDIGO criteria were met. */
  criteria: ('rise-48h' | 'ratio-baseline')[];
  current: TimedQuantity;
  /** Lowest value of the baseline window. */
  baseline: TimedQuantity;
  baselineDays: number;
  ratio: number;
  /** Against the lowest value of the rise window, when there was one. */
  rise?: { from: TimedQuantity; change: number; threshold: number; withinHours: number };
  /** Stage 3 reached by the absolute value rather than the ratio. */
  stage3ByValue: boolean;
  stage3AtOrAbove: number;
}

export interface AnaemiaFacts {
  kind: 'anaemia';
  test: TestName;
  morphology: Morphology;
  sex: 'male' | 'female';
  hemoglobin: TimedQuantity;
  threshold: Quantity;
  /** WHO severity grade: mild, or the most severe grade reached. */
  grade: string;
  mcv?: TimedQuantity & { sameEvent: boolean };
  mcvWithinDays: number;
  microcyticBelow: number;
  macrocyticAbove: number;
}

export interface BandFacts {
  kind: 'hyponatraemia' | 'hba1c';
  test: TestName;
  band: string;
  value: TimedQuantity;
  direction: 'below' | 'atOrAbove';
  /** The band's own threshold, and the next band's when there is one (its other edge). */
  threshold: number;
  nextThreshold?: number;
  trend?: TrendFacts;
  /** HbA1c only: a diabetes diagnosis is on record. */
  knownDiabetes?: boolean;
}

export interface HyperkalaemiaFacts {
  kind: 'hyperkalaemia-rising-creatinine';
  test: TestName;
  band: string;
  potassium: TimedQuantity;
  /** The band's threshold, and the next band's when there is one. */
  threshold: number;
  nextThreshold?: number;
  creatinine: TrendFacts;
  /** The creatinine rise also met the KDIGO AKI criteria in this event. */
  aki: boolean;
}

export interface RangeFacts {
  kind: 'range';
  test: TestName;
  status: 'low' | 'high' | 'abnormal';
  /** What decided: the reported reference range, or the laboratory's flag alone. */
  basis: 'range' | 'flag';
  value: number | string | null;
  units: string | null;
  range?: ReferenceRange;
  flag?: string;
  /** The flag was critical (LL, HH, AA). */
  critical: boolean;
  trend?: TrendFacts;
}

export interface TrendOnlyFacts {
  kind: 'trend';
  test: TestName;
  value: Quantity;
  trend: TrendFacts;
  range?: ReferenceRange;
}

export type Facts = AkiFacts | AnaemiaFacts | BandFacts | HyperkalaemiaFacts | RangeFacts | TrendOnlyFacts;

/** One finding before phrasing. */
export interface FindingFacts {
  rule: RuleRef;
  severity: Severity;
  codes: Coding[];
  values: ValueUsed[];
  facts: Facts;
  /** Indexes of the event's observations this finding explains: the generic range and trend rules skip them. */
  covers: number[];
}

/** A reading as a finding records it. */
export function valueUsed(role: string, r: Reading): ValueUsed {
  const asReported = r.reportedUnits !== null && canonicalUnits(r.reportedUnits) === r.units && readNumeric(r.reported)?.value === r.value;
  return {
    role,
    code: r.code,
    value: r.reported,
    units: r.reportedUnits,
    observedAt: r.observedAt,
    event_id: r.eventId,
    ...(asReported ? {} : { converted: { value: r.value, units: r.units } }),
    ...(r.preliminary ? { preliminary: true as const } : {}),
  };
}

export function timed(r: Reading): TimedQuantity {
  return { value: r.value, units: r.units, observedAt: r.observedAt };
}

/** Codes of the readings, each once, in first-use order. */
export function codesOf(readings: readonly Reading[]): Coding[] {
  const seen = new Set<string>();
  const out: Coding[] = [];
  for (const r of readings) {
    const key = `${r.code.system}|${r.code.code}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ system: r.code.system, code: r.code.code, ...(r.code.display ? { display: r.code.display } : {}) });
    }
  }
  return out;
}

const RANK: Record<Severity, number> = { info: 0, attention: 1, urgent: 2 };

export function worst(...s: Severity[]): Severity {
  return s.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'info');
}

export function severityRank(s: Severity): number {
  return RANK[s];
}
