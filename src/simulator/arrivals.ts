// Arrival processes: Poisson arrivals whose rate follows the hour of the local day, drawn by
// thinning (Lewis and Shedler, 1979): candidates at the peak rate, each kept with probability
// rate(hour) / peak.

import { DAY, localHour } from './clock.ts';
import type { Random } from './random.ts';

function normalize(curve: number[]): number[] {
  const mean = curve.reduce((a, b) => a + b, 0) / curve.length;
  return curve.map((v) => v / mean);
}

// Emergency arrivals by local hour, relative to the daily mean: a trough before dawn and a
// plateau from late morning to evening, the shape of the arrival-hour tables of the CDC's NHAMCS.
export const ED_ARRIVAL_CURVE: readonly number[] = normalize([
  0.55, 0.45, 0.4, 0.35, 0.33, 0.35, 0.45, 0.65, 0.95, 1.25, 1.4, 1.45, 1.45, 1.4, 1.38, 1.35, 1.35, 1.35, 1.3, 1.25, 1.15, 1.0, 0.85, 0.7,
]);

// Direct admissions: elective cases arrive in the morning and early afternoon; transfers from
// other hospitals come at any hour (assumption).
export const DIRECT_ARRIVAL_CURVE: readonly number[] = normalize([
  0.2, 0.2, 0.2, 0.2, 0.2, 0.4, 2.2, 2.6, 2.6, 2.4, 2.2, 2.0, 1.8, 1.6, 1.2, 0.8, 0.6, 0.4, 0.3, 0.3, 0.2, 0.2, 0.2, 0.2,
]);

/** Time of the next arrival after `from`, for `perDay` arrivals a day shaped by the hourly curve. */
export function nextArrival(random: Random, from: number, perDay: number, curve: readonly number[], utcOffsetMinutes: number): number {
  const peak = Math.max(...curve);
  const meanGap = DAY / (perDay * peak);
  let t = from;
  for (;;) {
    t += random.exponential(meanGap);
    if (random.next() * peak < curve[localHour(t, utcOffsetMinutes)]!) return Math.round(t);
  }
}
