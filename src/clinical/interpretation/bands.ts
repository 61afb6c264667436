// Threshold bands of one analyte: hyponatraemia by biochemical severity (Spasovski 2014: mild below
// 135, moderate below 130, profound below 125 mmol/L) and HbA1c (ADA: 6.5 % and above is the
// diabetes range; 9 % and above, a site 'poor control' cut-off). The most extreme band reached wins.
import type { Diagnosis } from '../../event/payloads.ts';
import { SYSTEM } from '../../event/payloads.ts';
import { codesOf, type FindingFacts, timed, valueUsed } from './facts.ts';
import { analyteCodes, currentReadings, pastReadings, type ResultSet } from './readings.ts';
import type { Analyte, Band, BandRule, Hba1cRule, TrendRule } from './rules.ts';
import { trendOf } from './trend.ts';

function bandOf(rule: BandRule, value: number): { band: Band; next?: Band } | undefined {
  const reached = rule.bands.map((b, i) => ({ b, i })).filter(({ b }) => (rule.direction === 'below' ? value < b.threshold : value >= b.threshold));
  const last = reached.at(-1);
  if (!last) return undefined;
  const next = rule.bands[last.i + 1];
  return { band: last.b, ...(next ? { next } : {}) };
}

function assessBand(kind: 'hyponatraemia' | 'hba1c', rule: BandRule, analyte: Analyte, set: ResultSet, trendRule: TrendRule | undefined): FindingFacts | undefined {
  const match = analyteCodes(analyte);
  const current = currentReadings(set, match, analyte.units, analyte)[0];
  if (!current) return undefined;
  const hit = bandOf(rule, current.value);
  if (!hit) return undefined;
  const trend = trendRule ? trendOf(current, pastReadings(set, match, analyte.units, analyte), trendRule) : undefined;
  return {
    rule,
    severity: hit.band.severity,
    codes: codesOf([current]),
    values: [valueUsed('current', current)],
    facts: {
      kind,
      test: { display: analyte.display, plain: analyte.plain },
      band: hit.band.band,
      value: timed(current),
      direction: rule.direction,
      threshold: hit.band.threshold,
      ...(hit.next ? { nextThreshold: hit.next.threshold } : {}),
      ...(trend && trend.direction !== 'stable' ? { trend } : {}),
    },
    covers: current.index === undefined ? [] : [current.index],
  };
}

export function assessHyponatraemia(rule: BandRule, sodium: Analyte, set: ResultSet, trendRule?: TrendRule): FindingFacts | undefined {
  return assessBand('hyponatraemia', rule, sodium, set, trendRule);
}

function hasDiabetes(diagnoses: readonly Diagnosis[], prefixes: readonly string[]): boolean {
  return diagnoses.some((d) => d.code?.system === SYSTEM.icd10cm && prefixes.some((p) => d.code.code.toUpperCase().startsWith(p)));
}

export function assessHba1c(rule: Hba1cRule, hba1c: Analyte, set: ResultSet, diagnoses: readonly Diagnosis[], trendRule?: TrendRule): FindingFacts | undefined {
  const finding = assessBand('hba1c', rule, hba1c, set, trendRule);
  if (!finding || finding.facts.kind !== 'hba1c') return finding;
  return { ...finding, facts: { ...finding.facts, knownDiabetes: hasDiabetes(diagnoses, rule.diabetesDiagnoses) } };
}
