// The interpretation knowledge as the rules see it: analytes (codes, working units, plain names)
// and one parameter set per named pattern, each with its revision and sources. Loaded and checked
// from clinical/interpretation-rules.json (load-rules.ts).
import type { Chemistry } from '../critical/units.ts';

export type Severity = 'info' | 'attention' | 'urgent';

export const SEVERITIES: readonly Severity[] = ['info', 'attention', 'urgent'];

export interface Source {
  id: string;
  citation: string;
  note?: string;
  url?: string;
}

export interface Analyte extends Chemistry {
  id: string;
  /** Clinician-readable name. */
  display: string;
  /** Name for patient text: everyday words, no codes. */
  plain: string;
  loinc: readonly string[];
  /** Canonical units the rules work in (UCUM spelling when the converter knows it). */
  units: string;
}

/** Thresholds as a guideline prints them, per unit (KDIGO: 0.3 mg/dL or 26.5 umol/L). */
export type ByUnits = ReadonlyMap<string, number>;

/** What every rule carries into its findings. */
export interface RuleRef {
  id: string;
  /** `v<revision>+<hash of the rule's parameters>`: a site change shows. */
  version: string;
  /** The citations of its sources, joined. */
  source: string;
}

export interface AkiRule extends RuleRef {
  analyte: string;
  rise: ByUnits;
  riseWithinHours: number;
  baselineDays: number;
  ratio: number;
  stage2Ratio: number;
  stage3Ratio: number;
  stage3AtOrAbove: ByUnits;
  severity: Record<'stage1' | 'stage2' | 'stage3', Severity>;
}

export type Morphology = 'microcytic' | 'macrocytic' | 'normocytic' | 'unclassified';

export interface AnaemiaRule extends RuleRef {
  hemoglobin: string;
  mcv: string;
  /** Younger patients have other WHO thresholds and are not judged. */
  minAge: number;
  /** Hemoglobin below this (analyte units) is anaemia, by sex. */
  thresholds: Readonly<Record<'male' | 'female', number>>;
  /** Lowest first: the most severe grade whose bound the value is below wins. */
  grades: readonly { grade: string; below: number; severity: Severity }[];
  mcvWithinDays: number;
  microcyticBelow: number;
  macrocyticAbove: number;
  severity: Readonly<Record<Morphology, Severity>>;
}

/** A value's band: the most extreme band it reaches, in the analyte's units. */
export interface Band {
  band: string;
  /** 'below' bands: value < threshold; 'atOrAbove' bands: value >= threshold. */
  threshold: number;
  severity: Severity;
}

export interface BandRule extends RuleRef {
  analyte: string;
  direction: 'below' | 'atOrAbove';
  /** Ordered from the least to the most extreme. */
  bands: readonly Band[];
}

export interface Hba1cRule extends BandRule {
  /** ICD-10-CM prefixes of a recorded diabetes diagnosis (changes the wording, not the band). */
  diabetesDiagnoses: readonly string[];
}

export interface HyperkalaemiaRule extends RuleRef {
  potassium: string;
  creatinine: string;
  /** Both values must be this recent, relative to the event. */
  withinHours: number;
  direction: 'atOrAbove';
  bands: readonly Band[];
}

export interface RangeRule extends RuleRef {
  severity: Readonly<Record<'outside' | 'critical-flag', Severity>>;
}

export interface TrendRule extends RuleRef {
  /** Values in a trend, the current one included. */
  points: number;
  windowDays: number;
  /** A change below this share of the reference interval's width is stable. */
  intervalFraction: number;
  /** Without an interval: a change below this share of the first value is stable. */
  valueFraction: number;
  severity: Severity;
}

export interface InterpretationRules {
  name: string;
  revision: number;
  /** `${name}-v${revision}+${hash}`: the hash covers every analyte and rule. */
  version: string;
  sources: ReadonlyMap<string, Source>;
  analytes: ReadonlyMap<string, Analyte>;
  /** Each rule is absent when a site removed it. */
  aki?: AkiRule;
  anaemia?: AnaemiaRule;
  hyponatraemia?: BandRule;
  hba1c?: Hba1cRule;
  hyperkalaemia?: HyperkalaemiaRule;
  range?: RangeRule;
  trend?: TrendRule;
}

/** The analyte a LOINC code belongs to. */
export function analyteOfCode(rules: InterpretationRules, loinc: string): Analyte | undefined {
  for (const a of rules.analytes.values()) if (a.loinc.includes(loinc)) return a;
  return undefined;
}

/** The threshold for `units` when the rule lists it, else the one in the analyte's own units. */
export function thresholdIn(by: ByUnits, units: string | undefined, fallbackUnits: string): { units: string; value: number } | undefined {
  if (units !== undefined && by.has(units)) return { units, value: by.get(units) as number };
  const value = by.get(fallbackUnits);
  return value === undefined ? undefined : { units: fallbackUnits, value };
}
