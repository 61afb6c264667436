// Calendar helpers on the simulated clock: local hours at a fixed offset from UTC (no daylight
// saving: the simulated hospital keeps one offset for the whole run).

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function localHour(ms: number, utcOffsetMinutes: number): number {
  return new Date(ms + utcOffsetMinutes * MINUTE).getUTCHours();
}

/** The first instant at or after `ms` when the local clock shows `hour`:00. */
export function nextLocalHour(ms: number, hour: number, utcOffsetMinutes: number): number {
  const offset = utcOffsetMinutes * MINUTE;
  const local = ms + offset;
  let candidate = Math.floor(local / DAY) * DAY + hour * HOUR;
  if (candidate < local) candidate += DAY;
  return candidate - offset;
}
