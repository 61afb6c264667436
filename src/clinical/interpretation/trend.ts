// The patient's trend for one test: the latest result and the ones before it (within the window),
// oldest first. A total change below the tolerance is stable; otherwise the series is rising or
// falling only if no step goes the other way, else variable. The tolerance scales with the test:
// a share of its reference interval's width, or of its first value when there is no interval.
import { tidy } from '../critical/units.ts';
import { readNumeric } from '../critical/values.ts';
import type { TrendFacts } from './facts.ts';
import { before, DAY_MS, hoursBetween, type Reading } from './readings.ts';
import type { TrendRule } from './rules.ts';

export type TrendParams = Pick<TrendRule, 'points' | 'windowDays' | 'intervalFraction' | 'valueFraction'>;

/** The reference interval's width in the reading's units, when both ends were sent. */
function intervalWidth(r: Reading): number | undefined {
  const { low, high } = r.range ?? {};
  if (low === undefined || high === undefined || !(high > low)) return undefined;
  // The range is in the reported units; every conversion here is a factor, so the width scales with the value.
  const reported = readNumeric(r.reported)?.value;
  const scale = reported !== undefined && reported !== 0 ? r.value / reported : 1;
  return (high - low) * scale;
}

/** Up to `points` readings ending at `latest` (earlier ones from `past`), oldest first. */
export function seriesEndingAt(latest: Reading, past: readonly Reading[], params: TrendParams): Reading[] {
  const earlier = before(past, latest.observedAt, params.windowDays * DAY_MS).slice(0, params.points - 1);
  return [...earlier.reverse(), latest];
}

/** The trend of a series ending at `latest`; undefined with no earlier result in the window. */
export function trendOf(latest: Reading, past: readonly Reading[], params: TrendParams): TrendFacts | undefined {
  const series = seriesEndingAt(latest, past, params);
  if (series.length < 2) return undefined;
  const first = series[0] as Reading;
  const change = tidy(latest.value - first.value);
  const width = intervalWidth(latest);
  const tolerance = tidy(width !== undefined ? params.intervalFraction * width : params.valueFraction * Math.abs(first.value));
  let direction: TrendFacts['direction'];
  if (Math.abs(change) < tolerance || change === 0) direction = 'stable';
  else {
    const sign = Math.sign(change);
    const oneWay = series.every((r, i) => i === 0 || tidy(r.value - (series[i - 1] as Reading).value) * sign >= 0);
    direction = !oneWay ? 'variable' : sign > 0 ? 'rising' : 'falling';
  }
  return {
    direction,
    points: series.length,
    first: { value: first.value, units: first.units, observedAt: first.observedAt },
    last: { value: latest.value, units: latest.units, observedAt: latest.observedAt },
    change,
    hours: tidy(hoursBetween(first.observedAt, latest.observedAt)),
    tolerance,
  };
}
