// Acute kidney injury by the KDIGO 2012 creatinine criteria: a rise of at least 0.3 mg/dL
// (26.5 umol/L) over the lowest value of the previous 48 h, or a value at least 1.5 times the
// baseline, the lowest value of the previous 7 days (the NHS England algorithm's RV1). Staged by the
// ratio (1.5-1.9, 2.0-2.9, >= 3.0) or a value of at least 4.0 mg/dL (353.6 umol/L). The absolute
// thresholds apply in the units the result was reported in when the guideline prints them, so a
// umol/L result meets 26.5 exactly as KDIGO states it; earlier results in other units are converted.
import { tidy } from '../critical/units.ts';
import { codesOf, type FindingFacts, timed, valueUsed } from './facts.ts';
import { analyteCodes, before, canonicalUnits, currentReadings, DAY_MS, HOUR_MS, pastReadings, type Reading, type ResultSet } from './readings.ts';
import { type AkiRule, type Analyte, thresholdIn } from './rules.ts';

const lowest = (rs: readonly Reading[]): Reading | undefined => rs.reduce<Reading | undefined>((m, r) => (m === undefined || r.value < m.value ? r : m), undefined);

export function assessAki(rule: AkiRule, creatinine: Analyte, set: ResultSet): FindingFacts | undefined {
  const match = analyteCodes(creatinine);
  // Work in the reported units of the newest creatinine when the rule prints thresholds in them.
  const newestReported = set.current.filter((o) => match(o.code) && o.units).at(-1)?.units;
  const rise = thresholdIn(rule.rise, newestReported === undefined ? undefined : canonicalUnits(newestReported), creatinine.units);
  if (!rise) return undefined;
  const units = rise.units;
  const current = currentReadings(set, match, units, creatinine)[0];
  if (!current) return undefined;
  const past = pastReadings(set, match, units, creatinine);
  const baseline = lowest(before(past, current.observedAt, rule.baselineDays * DAY_MS));
  if (!baseline || baseline.value <= 0) return undefined;

  const ratio = tidy(current.value / baseline.value);
  const riseFrom = lowest(before(past, current.observedAt, rule.riseWithinHours * HOUR_MS));
  const change = riseFrom ? tidy(current.value - riseFrom.value) : undefined;
  const byRise = change !== undefined && change >= rise.value;
  const byRatio = ratio >= rule.ratio;
  if (!byRise && !byRatio) return undefined;

  // The loader checked that both thresholds list the same units, so this is in `units` too.
  const absolute = thresholdIn(rule.stage3AtOrAbove, units, creatinine.units);
  if (!absolute) return undefined;
  const stage3ByValue = current.value >= absolute.value;
  const stage: 1 | 2 | 3 = ratio >= rule.stage3Ratio || stage3ByValue ? 3 : ratio >= rule.stage2Ratio ? 2 : 1;
  const used = [current, baseline, ...(riseFrom && riseFrom !== baseline ? [riseFrom] : [])];
  return {
    rule,
    severity: rule.severity[`stage${stage}`],
    codes: codesOf(used),
    values: [
      valueUsed('current', current),
      valueUsed('baseline', baseline),
      ...(riseFrom && riseFrom !== baseline ? [valueUsed('lowest-in-rise-window', riseFrom)] : []),
    ],
    facts: {
      kind: 'aki',
      test: { display: creatinine.display, plain: creatinine.plain },
      stage,
      criteria: [...(byRise ? (['rise-48h'] as const) : []), ...(byRatio ? (['ratio-baseline'] as const) : [])],
      current: timed(current),
      baseline: timed(baseline),
      baselineDays: rule.baselineDays,
      ratio,
      ...(riseFrom && change !== undefined ? { rise: { from: timed(riseFrom), change, threshold: rise.value, withinHours: rule.riseWithinHours } } : {}),
      stage3ByValue: stage3ByValue && ratio < rule.stage3Ratio,
      stage3AtOrAbove: absolute.value,
    },
    covers: current.index === undefined ? [] : [current.index],
  };
}
