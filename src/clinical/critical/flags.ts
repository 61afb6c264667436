// HL7 v2 abnormal flags (table 0078) that mean "critical": the performing laboratory's own call,
// honoured even when the site table has no limit for the code or the units cannot be converted.

export const CRITICAL_FLAGS = ['LL', 'HH', 'AA'] as const;

export type CriticalFlag = (typeof CRITICAL_FLAGS)[number];

/** The direction a flag points: below the low limit, above the high one, or abnormal (text results). */
export type Direction = 'low' | 'high' | 'abnormal';

const DIRECTION: Record<CriticalFlag, Direction> = { LL: 'low', HH: 'high', AA: 'abnormal' };

const MEANING: Record<CriticalFlag, string> = { LL: 'critical low', HH: 'critical high', AA: 'critical abnormal' };

/** The first critical flag among an observation's flags (senders vary in case and padding). */
export function criticalFlag(flags: readonly string[] | undefined): CriticalFlag | undefined {
  for (const f of flags ?? []) {
    const flag = typeof f === 'string' ? f.trim().toUpperCase() : '';
    if ((CRITICAL_FLAGS as readonly string[]).includes(flag)) return flag as CriticalFlag;
  }
  return undefined;
}

export function flagDirection(flag: CriticalFlag): Direction {
  return DIRECTION[flag];
}

export function flagMeaning(flag: CriticalFlag): string {
  return MEANING[flag];
}
