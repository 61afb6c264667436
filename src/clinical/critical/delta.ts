// Delta checks: a change against the patient's previous value of the same analyte (any of the
// check's LOINC codes), when that value is recent enough. The previous value is the latest final
// or corrected one observed before this one, from another event: history may already hold this
// event's own observations (the timeline projects in parallel).
import type { PastObservation } from '../../processors/history.ts';
import { SYSTEM } from '../../event/payloads.ts';
import type { DeltaCheck } from './table.ts';
import { type Chemistry, convertUnits, tidy } from './units.ts';
import { readNumeric } from './values.ts';

const FINAL = new Set(['F', 'C']);
const HOUR_MS = 3_600_000;

export interface DeltaFinding {
  check: DeltaCheck;
  previous: PastObservation;
  /** Both values in the check's units. */
  previousValue: number;
  currentValue: number;
  /** Current minus previous, in the check's units. */
  change: number;
  hoursApart: number;
}

export interface CurrentValue {
  value: unknown;
  units: string | undefined;
  /** UTC ISO 8601. */
  observedAt: string;
  eventId: string;
}

function exactNumber(value: unknown, units: string | undefined, check: DeltaCheck, chem: Chemistry): number | undefined {
  const n = readNumeric(value);
  // A bound (">600") has no exact value to subtract.
  if (!n || n.comparator) return undefined;
  const c = convertUnits(n.value, units, check.units, { ...chem, ...pick(check) });
  return c.ok ? c.value : undefined;
}

function pick(check: DeltaCheck): Chemistry {
  return { ...(check.molarMass ? { molarMass: check.molarMass } : {}), ...(check.valence ? { valence: check.valence } : {}) };
}

/** The previous value the check compares with: latest final/corrected, earlier, from another event. */
export function previousObservation(check: DeltaCheck, current: CurrentValue, past: readonly PastObservation[]): PastObservation | undefined {
  const now = Date.parse(current.observedAt);
  if (Number.isNaN(now)) return undefined;
  let best: PastObservation | undefined;
  let bestAt = -Infinity;
  for (const p of past) {
    if (p.eventId === current.eventId || p.code?.system !== SYSTEM.loinc || !check.loinc.includes(p.code.code)) continue;
    if (!FINAL.has(String(p.status).trim().toUpperCase()) || p.observedAt === undefined) continue;
    const at = Date.parse(p.observedAt);
    if (Number.isNaN(at) || at >= now || at <= bestAt) continue;
    best = p;
    bestAt = at;
  }
  return best;
}

/** Fires when the value moved by at least the check's change, in its direction, within its window. */
export function checkDelta(check: DeltaCheck, current: CurrentValue, past: readonly PastObservation[], chem: Chemistry = {}): DeltaFinding | undefined {
  const previous = previousObservation(check, current, past);
  if (!previous?.observedAt) return undefined;
  const hoursApart = (Date.parse(current.observedAt) - Date.parse(previous.observedAt)) / HOUR_MS;
  if (hoursApart > check.withinHours) return undefined;
  const currentValue = exactNumber(current.value, current.units, check, chem);
  const previousValue = exactNumber(previous.value, previous.units, check, chem);
  if (currentValue === undefined || previousValue === undefined) return undefined;
  const change = tidy(currentValue - previousValue);
  const fired = check.direction === 'fall' ? -change >= check.change : change >= check.change;
  return fired ? { check, previous, previousValue, currentValue, change, hoursApart: tidy(hoursApart) } : undefined;
}
