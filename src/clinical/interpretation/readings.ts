// Results as exact numbers in the units a rule works in: the event's own observations and the
// patient's earlier ones. Unit conversion is the critical-value converter's (units.ts); units it does
// not know (fL, U/L) are used only when both sides spell them alike, never guessed. Bounds (">600")
// are not exact values and are left out: no rule here can subtract or divide them.
import type { Coding, Observation, ReferenceRange } from '../../event/payloads.ts';
import { SYSTEM } from '../../event/payloads.ts';
import type { PastObservation } from '../../processors/history.ts';
import { resultStatus } from '../critical/evaluate.ts';
import { blankUnits, type Chemistry, convertUnits, normaliseUnits } from '../critical/units.ts';
import { readNumeric } from '../critical/values.ts';
import type { Analyte } from './rules.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** The results a rule may read: this event's and the patient's earlier ones. */
export interface ResultSet {
  eventId: string;
  /** UTC ISO 8601; the time of an observation sent without one. */
  eventTime: string;
  /** The event's observations, in report order. */
  current: readonly Observation[];
  /** history.observations: newest first, may include this event's own (the timeline projects in parallel). */
  past: readonly PastObservation[];
}

export interface Reading {
  code: Coding;
  /** As reported. */
  reported: number | string;
  reportedUnits: string | null;
  /** Exact, in `units`. */
  value: number;
  units: string;
  observedAt: string;
  eventId: string;
  /** Index in the event's observations; absent for earlier results. */
  index?: number;
  preliminary: boolean;
  range?: ReferenceRange;
}

/** Units as the converter spells them; units it does not know (fL, U/L) are kept as written. */
export function canonicalUnits(units: string): string {
  return normaliseUnits(units) ?? units.trim();
}

const fold = (u: string | undefined): string => (u ?? '').trim().toLowerCase().replace(/\s+/g, '').replace(/[µμ]/g, 'u');

/** A value in `to` units, or undefined when it cannot be known without guessing. */
export function valueIn(value: number, from: string | undefined, to: string, chem: Chemistry = {}): number | undefined {
  const c = convertUnits(value, from, to, chem);
  if (c.ok) return c.value;
  return !blankUnits(from) && fold(from) === fold(to) ? value : undefined;
}

/** Which codes a series holds: an analyte's LOINC codes, or one exact code for a test the rules do not know. */
export type CodeMatch = (code: Coding) => boolean;

export function analyteCodes(analyte: Analyte): CodeMatch {
  return (code) => code.system === SYSTEM.loinc && analyte.loinc.includes(code.code);
}

export function sameCode(code: Coding): CodeMatch {
  return (c) => c.system === code.system && c.code === code.code;
}

function reading(obs: Observation, units: string, chem: Chemistry, eventId: string, observedAt: string, index?: number): Reading | undefined {
  const n = readNumeric(obs.value);
  if (!n || n.comparator || obs.value === null) return undefined;
  const value = valueIn(n.value, obs.units, units, chem);
  if (value === undefined) return undefined;
  return {
    code: obs.code,
    reported: obs.value,
    reportedUnits: obs.units ?? null,
    value,
    units,
    observedAt,
    eventId,
    ...(index === undefined ? {} : { index }),
    preliminary: resultStatus(obs.status) === 'preliminary',
    ...(obs.referenceRange ? { range: obs.referenceRange } : {}),
  };
}

const newestFirst = (a: Reading, b: Reading): number => Date.parse(b.observedAt) - Date.parse(a.observedAt) || (b.index ?? -1) - (a.index ?? -1);

/** The event's readings of a series, newest first (final, corrected or preliminary results). */
export function currentReadings(set: ResultSet, match: CodeMatch, units: string, chem: Chemistry = {}): Reading[] {
  const out: Reading[] = [];
  set.current.forEach((obs, index) => {
    if (!match(obs.code) || resultStatus(obs.status) === 'other') return;
    const r = reading(obs, units, chem, set.eventId, obs.observedAt ?? set.eventTime, index);
    if (r) out.push(r);
  });
  return out.sort(newestFirst);
}

/** One of the event's observations as a reading, when its value is exact and its units convert. */
export function currentReading(set: ResultSet, index: number, units: string, chem: Chemistry = {}): Reading | undefined {
  const obs = set.current[index];
  if (!obs || resultStatus(obs.status) === 'other') return undefined;
  return reading(obs, units, chem, set.eventId, obs.observedAt ?? set.eventTime, index);
}

/** Earlier readings of a series from other events, newest first: final and corrected results only. */
export function pastReadings(set: ResultSet, match: CodeMatch, units: string, chem: Chemistry = {}): Reading[] {
  const out: Reading[] = [];
  for (const p of set.past) {
    if (p.eventId === set.eventId || !p.code || !match(p.code) || p.observedAt === undefined) continue;
    if (resultStatus(p.status) !== 'final' || Number.isNaN(Date.parse(p.observedAt))) continue;
    const r = reading(p, units, chem, p.eventId, p.observedAt);
    if (r) out.push(r);
  }
  return out.sort(newestFirst);
}

/** Readings observed before `at`, within `ms` of it (inclusive), newest first. */
export function before(readings: readonly Reading[], at: string, ms: number): Reading[] {
  const t = Date.parse(at);
  return readings.filter((r) => {
    const age = t - Date.parse(r.observedAt);
    return age > 0 && age <= ms;
  });
}

export function hoursBetween(earlier: string, later: string): number {
  return (Date.parse(later) - Date.parse(earlier)) / HOUR_MS;
}
