// A result against the reference range its laboratory sent with it, else the laboratory's abnormal
// flags (HL7 v2 table 0078). The range is in the result's own units, so no conversion is needed.
// A range sent as a bound keeps its strictness: "<5.7" makes 5.7 itself high, "<=5.7" does not.
import type { Observation, ReferenceRange } from '../../event/payloads.ts';
import { criticalFlag } from '../critical/flags.ts';
import { readNumeric } from '../critical/values.ts';

export type RangeStatus = 'low' | 'high' | 'abnormal' | 'normal' | 'unknown';

export interface RangeJudgement {
  status: RangeStatus;
  basis: 'range' | 'flag' | 'none';
  /** The first abnormal flag, as sent (normalised to upper case). */
  flag?: string;
  /** A critical flag (LL, HH, AA) was set. */
  critical: boolean;
}

const LOW_FLAGS = new Set(['L', 'LL', '<']);
const HIGH_FLAGS = new Set(['H', 'HH', '>']);
const ABNORMAL_FLAGS = new Set(['A', 'AA']);

function flagStatus(flags: readonly string[] | undefined): { status: RangeStatus; flag?: string } {
  for (const f of flags ?? []) {
    const flag = typeof f === 'string' ? f.trim().toUpperCase() : '';
    if (LOW_FLAGS.has(flag)) return { status: 'low', flag };
    if (HIGH_FLAGS.has(flag)) return { status: 'high', flag };
    if (ABNORMAL_FLAGS.has(flag)) return { status: 'abnormal', flag };
  }
  return { status: 'unknown' };
}

/** "<5.7" and ">60" exclude their bound; intervals ("3.5-5.1") and "<=" / ">=" include theirs. */
function strictness(range: ReferenceRange): { lowStrict: boolean; highStrict: boolean } {
  const text = range.text?.trim() ?? '';
  return { lowStrict: /^>(?!=)/.test(text), highStrict: /^<(?!=)/.test(text) };
}

function rangeStatus(value: unknown, range: ReferenceRange | undefined): RangeStatus {
  if (!range || (range.low === undefined && range.high === undefined)) return 'unknown';
  const n = readNumeric(value);
  if (!n) return 'unknown';
  const { lowStrict, highStrict } = strictness(range);
  const belowLow = (x: number): boolean => range.low !== undefined && (lowStrict ? x <= range.low : x < range.low);
  const aboveHigh = (x: number): boolean => range.high !== undefined && (highStrict ? x >= range.high : x > range.high);
  const { value: x, comparator } = n;
  // A bound proves a side only when the bound itself is beyond it: "<2" is low against 3.5-5.1,
  // "<4" proves nothing; "<0.01" is normal against "<0.04".
  if (comparator === '<' || comparator === '<=') {
    const low = comparator === '<' ? range.low !== undefined && x <= range.low : belowLow(x);
    if (low) return 'low';
    const withinHigh = range.high !== undefined && (comparator === '<' ? x <= range.high : !aboveHigh(x));
    return range.low === undefined && withinHigh ? 'normal' : 'unknown';
  }
  if (comparator === '>' || comparator === '>=') {
    const high = comparator === '>' ? range.high !== undefined && x >= range.high : aboveHigh(x);
    if (high) return 'high';
    const withinLow = range.low !== undefined && (comparator === '>' ? x >= range.low : !belowLow(x));
    return range.high === undefined && withinLow ? 'normal' : 'unknown';
  }
  if (belowLow(x)) return 'low';
  if (aboveHigh(x)) return 'high';
  return 'normal';
}

/** The range decides when it can; an abnormal flag speaks when the range says nothing or agrees it is normal. */
export function judgeRange(obs: Observation): RangeJudgement {
  const critical = criticalFlag(obs.abnormalFlags) !== undefined;
  const byRange = rangeStatus(obs.value, obs.referenceRange);
  const byFlag = flagStatus(obs.abnormalFlags);
  if (byRange === 'low' || byRange === 'high') return { status: byRange, basis: 'range', ...(byFlag.flag ? { flag: byFlag.flag } : {}), critical };
  if (byFlag.status !== 'unknown') return { status: byFlag.status, basis: 'flag', ...(byFlag.flag ? { flag: byFlag.flag } : {}), critical };
  return { status: byRange, basis: byRange === 'unknown' ? 'none' : 'range', critical };
}
