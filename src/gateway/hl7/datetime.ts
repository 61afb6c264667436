// HL7 DTM/TS values (YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+/-ZZZZ]) to UTC ISO 8601. Written here rather than
// taken from @medplum/core, whose parser reads ".1" as one millisecond. A value without an offset is
// the sender's wall-clock time: the site's time zone (an option) says which instant it was.

const DTM = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,6}))?)?)?)?)?)?(?:([+-])(\d{2})(\d{2}))?$/;
const FIXED_OFFSET = /^([+-])(\d{2}):?(\d{2})$/;
const UTC_NAMES = new Set(['UTC', 'Z', 'GMT', 'ETC/UTC']);
const MINUTE_MS = 60_000;

/** Turns a wall-clock time (its fields read as if UTC) into the instant it denotes. */
export interface SiteTimeZone {
  toUtc(wallClockMs: number): number;
}

const zones = new Map<string, SiteTimeZone>();

/**
 * The site time zone from its option value: 'UTC', a fixed offset ('+05:30', '-0500') or an IANA
 * name ('America/Chicago', daylight saving included). Throws RangeError for anything else.
 */
export function resolveTimeZone(spec: string): SiteTimeZone {
  let zone = zones.get(spec);
  if (!zone) {
    zone = buildZone(spec);
    zones.set(spec, zone);
  }
  return zone;
}

function buildZone(spec: string): SiteTimeZone {
  if (UTC_NAMES.has(spec.toUpperCase())) return { toUtc: (ms) => ms };
  const fixed = FIXED_OFFSET.exec(spec);
  if (fixed) {
    const minutes = offsetMinutes(fixed[1] ?? '+', fixed[2] ?? '', fixed[3] ?? '');
    if (minutes === undefined) throw new RangeError('timeZone: offset out of range');
    return { toUtc: (ms) => ms - minutes * MINUTE_MS };
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: spec,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new RangeError('timeZone: must be UTC, an offset like +05:30, or an IANA time zone name');
  }
  const offsetAt = (utcMs: number): number => {
    const parts: Record<string, number> = {};
    for (const p of format.formatToParts(utcMs)) parts[p.type] = Number(p.value);
    const wall = Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
    return wall - (utcMs - (((utcMs % 1000) + 1000) % 1000));
  };
  return {
    toUtc(wall) {
      // Two passes find the offset in force at that wall time. A wall time skipped by a spring-forward
      // gap resolves to the instant it would have been before the change (02:30 becomes 03:30 DST),
      // and an ambiguous fall-back time to its first occurrence, as java.time does.
      const first = offsetAt(wall);
      const guess = wall - first;
      const second = offsetAt(guess);
      if (second === first) return guess;
      const retry = wall - second;
      return offsetAt(retry) === second ? retry : guess;
    },
  };
}

function offsetMinutes(sign: string, hh: string, mm: string): number | undefined {
  const h = Number(hh);
  const m = Number(mm);
  if (h > 14 || m > 59) return undefined;
  return (sign === '-' ? -1 : 1) * (h * 60 + m);
}

interface DtmParts {
  year: number;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
  second?: number;
  ms?: number;
  offset?: number;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function parseParts(text: string): DtmParts | undefined {
  const m = DTM.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, sign, oh, om] = m;
  const parts: DtmParts = { year: Number(y) };
  if (mo !== undefined) {
    parts.month = Number(mo);
    if (parts.month < 1 || parts.month > 12) return undefined;
  }
  if (d !== undefined) {
    parts.day = Number(d);
    if (parts.day < 1 || parts.day > daysInMonth(parts.year, parts.month ?? 1)) return undefined;
  }
  if (h !== undefined) {
    parts.hour = Number(h);
    if (parts.hour > 23) return undefined;
  }
  if (mi !== undefined) {
    parts.minute = Number(mi);
    if (parts.minute > 59) return undefined;
  }
  if (s !== undefined) {
    parts.second = Number(s);
    if (parts.second > 59) return undefined;
  }
  // A fraction is a decimal fraction of a second: ".1" is 100 ms and ".1234" is 123.4 ms (kept as 123).
  if (frac !== undefined) parts.ms = Number(frac.padEnd(3, '0').slice(0, 3));
  if (sign !== undefined) {
    parts.offset = offsetMinutes(sign, oh ?? '', om ?? '');
    if (parts.offset === undefined) return undefined;
  }
  return parts;
}

/**
 * An HL7 date/time as UTC ISO 8601 (`...Z`, millisecond precision), or undefined when it is not a
 * valid DTM. Missing trailing parts are the start of the period (a date alone is local midnight).
 */
export function hl7DateTimeToUtc(text: string, zone: SiteTimeZone): string | undefined {
  const p = parseParts(text);
  if (!p) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(p.year, (p.month ?? 1) - 1, p.day ?? 1);
  date.setUTCHours(p.hour ?? 0, p.minute ?? 0, p.second ?? 0, p.ms ?? 0);
  const wall = date.getTime();
  const utc = p.offset === undefined ? zone.toUtc(wall) : wall - p.offset * MINUTE_MS;
  return new Date(utc).toISOString();
}

/**
 * The calendar date of an HL7 date/time (YYYY, YYYY-MM or YYYY-MM-DD, as precise as sent), without
 * any time zone shift: a birth date is a date, not an instant.
 */
export function hl7Date(text: string): string | undefined {
  const p = parseParts(text);
  if (!p) return undefined;
  const y = String(p.year).padStart(4, '0');
  if (p.month === undefined) return y;
  const m = String(p.month).padStart(2, '0');
  if (p.day === undefined) return `${y}-${m}`;
  return `${y}-${m}-${String(p.day).padStart(2, '0')}`;
}
