// Judging one value against a critical-limit entry, after converting it to the entry's units.
import type { CriticalLimit } from './table.ts';
import { blankUnits, type ConversionFailure, convertUnits, normaliseUnits } from './units.ts';
import { type NumericValue, readNumeric } from './values.ts';

/** Why a table limit could not be applied; 'bound-inconclusive' is a ">400" against a limit of 484. */
export type NotJudged = ConversionFailure | 'value-not-numeric' | 'bound-inconclusive';

export type LimitOutcome =
  | {
      status: 'critical';
      direction: 'low' | 'high';
      /** The value in the limit's units (a bound's value when the result was a bound). */
      value: number;
      units: string;
      comparator?: NumericValue['comparator'];
      converted: boolean;
    }
  | { status: 'within'; value: number; units: string; converted: boolean }
  | { status: 'not-judged'; reason: NotJudged };

function below(v: number, limit: CriticalLimit): boolean {
  if (limit.low === undefined) return false;
  return limit.lowInclusive ? v <= limit.low : v < limit.low;
}

function above(v: number, limit: CriticalLimit): boolean {
  if (limit.high === undefined) return false;
  return limit.highInclusive ? v >= limit.high : v > limit.high;
}

/**
 * Whether a bound ("<X", ">X") proves the value critical: "> 600" proves glucose above 484, while
 * "> 400" proves nothing either way.
 */
function boundDirection(n: Required<NumericValue>, limit: CriticalLimit): 'low' | 'high' | undefined {
  const { value: x, comparator } = n;
  if (comparator === '>' && limit.high !== undefined && x >= limit.high) return 'high';
  if (comparator === '>=' && above(x, limit)) return 'high';
  if (comparator === '<' && limit.low !== undefined && x <= limit.low) return 'low';
  if (comparator === '<=' && below(x, limit)) return 'low';
  return undefined;
}

/** A value as reported (number or numeric text, with its units) against a limit entry. */
export function judgeAgainstLimit(value: unknown, units: string | undefined, limit: CriticalLimit): LimitOutcome {
  const numeric = readNumeric(value);
  if (!numeric) return { status: 'not-judged', reason: 'value-not-numeric' };
  const conversion = convertUnits(numeric.value, units, limit.units, limit);
  if (!conversion.ok) return { status: 'not-judged', reason: conversion.reason };
  const v = conversion.value;
  // A respelling ('MMOL/L') is not a conversion; a change of unit is, and the alert shows both values.
  // An INR sent without units is taken as it is, not converted.
  const converted = units !== undefined && !blankUnits(units) && normaliseUnits(units) !== limit.units;
  if (numeric.comparator) {
    const direction = boundDirection({ value: v, comparator: numeric.comparator }, limit);
    if (direction) return { status: 'critical', direction, value: v, units: limit.units, comparator: numeric.comparator, converted };
    return { status: 'not-judged', reason: 'bound-inconclusive' };
  }
  if (below(v, limit)) return { status: 'critical', direction: 'low', value: v, units: limit.units, converted };
  if (above(v, limit)) return { status: 'critical', direction: 'high', value: v, units: limit.units, converted };
  return { status: 'within', value: v, units: limit.units, converted };
}
