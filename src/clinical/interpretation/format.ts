// Numbers, units and spans of time as the explanations print them.
import type { ReferenceRange } from '../../event/payloads.ts';
import { displayUnits } from '../critical/units.ts';
import type { Quantity } from './facts.ts';

/** At most two decimals, no trailing zeros, no float noise. */
export const fmt = (n: number): string => String(Number(n.toFixed(2)));

export function withUnits(value: string, units: string | null | undefined): string {
  const u = displayUnits(units ?? undefined);
  if (!u) return value;
  return u === '%' ? `${value}%` : `${value} ${u}`;
}

export const q = (x: Quantity): string => withUnits(fmt(x.value), x.units);

/** A span in hours, or in days from 48 h on. */
export function span(hours: number): string {
  return hours < 48 ? `${fmt(hours)} h` : `${fmt(hours / 24)} days`;
}

export function hoursApart(earlier: string, later: string): number {
  return (Date.parse(later) - Date.parse(earlier)) / 3_600_000;
}

export function rangeText(range: ReferenceRange, units: string | null): string {
  if (range.low !== undefined && range.high !== undefined) return withUnits(`${fmt(range.low)}-${fmt(range.high)}`, units);
  if (range.text) return withUnits(range.text.trim(), units);
  if (range.high !== undefined) return withUnits(`<= ${fmt(range.high)}`, units);
  return withUnits(`>= ${fmt(range.low as number)}`, units);
}

/**
 * The key value for patient text: the number and its units only when the units are words (mg/dL,
 * %), never when they carry digits of their own (10*3/uL), so the text holds one number.
 */
export function plainValue(value: number | string, units: string | null): string {
  const text = typeof value === 'number' ? fmt(value) : value.trim().replace(/^>=?\s*/, 'more than ').replace(/^<=?\s*/, 'less than ');
  const u = displayUnits(units ?? undefined);
  if (!u || /[0-9{}*^]/.test(u)) return text;
  return u === '%' ? `${text}%` : `${text} ${u}`;
}
