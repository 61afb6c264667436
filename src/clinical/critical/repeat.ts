// Repeat suppression: a critical value already called for this patient, by the same rule, within
// the window, is not paged again unless it got worse. "Not worse" (identical or improving) counts
// as a repeat: the clinician already knows of a value at least this bad, and re-paging on each
// redraw is the alarm fatigue this rule exists to prevent. The window runs from the page, not
// from the last suppressed repeat, so a value that stays critical is called again once per window.
import type { PastDecision } from '../../processors/history.ts';
import { tidy } from './units.ts';

/** Which way is worse: lower, higher, or any different value (text results, "abnormal"). */
export type Worse = 'lower' | 'higher' | 'different';

/** `value|units`: the value that paged, in the rule's units, so later values compare with it. */
export function valueFingerprint(value: unknown, units: string | undefined): string {
  const v = typeof value === 'number' ? String(tidy(value)) : String(value ?? '').trim();
  return `${v}|${units ?? ''}`;
}

function parse(fingerprint: string): { value: number | undefined; units: string; raw: string } {
  const bar = fingerprint.lastIndexOf('|');
  const raw = bar < 0 ? fingerprint : fingerprint.slice(0, bar);
  const units = bar < 0 ? '' : fingerprint.slice(bar + 1);
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  return { value: Number.isFinite(n) ? n : undefined, units, raw };
}

function notWorse(current: string, earlier: string, worse: Worse): boolean {
  if (current === earlier) return true;
  if (worse === 'different') return false;
  const a = parse(current);
  const b = parse(earlier);
  // Values in different units (the table changed between the two) are compared only when identical.
  if (a.value === undefined || b.value === undefined || a.units !== b.units) return false;
  return worse === 'higher' ? a.value <= b.value : a.value >= b.value;
}

export interface RepeatQuery {
  ruleId: string;
  fingerprint: string;
  worse: Worse;
  /** Event time of the current event, UTC ISO 8601. */
  at: string;
  windowMs: number;
}

/**
 * The earlier page that makes this one a repeat, or undefined when it should page: no page by the
 * same rule in the window [at - window, at], or every such page was of a less severe value.
 */
export function findRepeat(q: RepeatQuery, decisions: readonly PastDecision[]): PastDecision | undefined {
  const now = Date.parse(q.at);
  for (const d of decisions) {
    if (d.ruleId !== q.ruleId || d.fingerprint === undefined) continue;
    const age = now - Date.parse(d.at);
    if (!(age >= 0 && age < q.windowMs)) continue;
    if (notWorse(q.fingerprint, d.fingerprint, q.worse)) return d;
  }
  return undefined;
}
