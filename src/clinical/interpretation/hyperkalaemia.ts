// Site rule: hyperkalaemia (potassium at or above 5.5 mmol/L, UK Kidney Association bands) named
// together with a rising creatinine, since falling kidney clearance keeps potassium climbing. Either
// result may be the event's own, the other from the recent past; the event must hold at least one,
// so the finding is news. Creatinine is rising when its recent series rises by the trend rule's
// measure, or when the same event met the KDIGO AKI criteria.
import { codesOf, type FindingFacts, timed, valueUsed } from './facts.ts';
import { analyteCodes, currentReadings, HOUR_MS, pastReadings, type Reading, type ResultSet } from './readings.ts';
import type { Analyte, HyperkalaemiaRule, TrendRule } from './rules.ts';
import { trendOf } from './trend.ts';

/** The newest reading, the event's first, else an earlier one no older than `ms` before the event. */
function latest(current: readonly Reading[], past: readonly Reading[], eventTime: string, ms: number): Reading | undefined {
  if (current[0]) return current[0];
  const t = Date.parse(eventTime);
  return past.find((r) => t - Date.parse(r.observedAt) <= ms);
}

export interface HyperkalaemiaInput {
  potassium: Analyte;
  creatinine: Analyte;
  /** The trend rule's measure of "rising" (the loader makes sure it is there). */
  trend: TrendRule;
  /** The event's AKI finding, when there was one. */
  aki?: FindingFacts;
}

export function assessHyperkalaemia(rule: HyperkalaemiaRule, input: HyperkalaemiaInput, set: ResultSet): FindingFacts | undefined {
  const { potassium, creatinine } = input;
  const kMatch = analyteCodes(potassium);
  const cMatch = analyteCodes(creatinine);
  const kNow = currentReadings(set, kMatch, potassium.units, potassium);
  const cNow = currentReadings(set, cMatch, creatinine.units, creatinine);
  if (kNow.length === 0 && cNow.length === 0) return undefined;
  const window = rule.withinHours * HOUR_MS;
  const k = latest(kNow, pastReadings(set, kMatch, potassium.units, potassium), set.eventTime, window);
  if (!k) return undefined;
  const reached = rule.bands.filter((b) => k.value >= b.threshold).length;
  const band = rule.bands[reached - 1];
  if (!band) return undefined;
  const next = rule.bands[reached];

  const cPast = pastReadings(set, cMatch, creatinine.units, creatinine);
  const c = latest(cNow, cPast, set.eventTime, window);
  if (!c) return undefined;
  const trend = trendOf(c, cPast, input.trend);
  const aki = input.aki !== undefined && c.index !== undefined;
  if (!trend || (trend.direction !== 'rising' && !aki)) return undefined;

  const used = [k, c];
  return {
    rule,
    severity: band.severity,
    codes: codesOf(used),
    values: [valueUsed('potassium', k), valueUsed('creatinine', c)],
    facts: {
      kind: 'hyperkalaemia-rising-creatinine',
      test: { display: potassium.display, plain: potassium.plain },
      band: band.band,
      potassium: timed(k),
      threshold: band.threshold,
      ...(next ? { nextThreshold: next.threshold } : {}),
      creatinine: trend,
      aki,
    },
    covers: used.flatMap((r) => (r.index === undefined ? [] : [r.index])),
  };
}
