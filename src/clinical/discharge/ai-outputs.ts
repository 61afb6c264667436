// What the other AI consumers said during the stay, in one line each, and which care gaps are
// still open. Their records differ by consumer (an alert, an interaction finding, a score, a care
// gap), so the line is read from the fields they share by convention, falling back to the rule id.
import type { JsonObject } from '../../event/envelope.ts';
import type { AiOutput } from '../../processors/encounter-record.ts';
import { when } from './narrative.ts';

const TEXT_FIELDS = ['explanation', 'explanation_clinician', 'summary', 'title', 'description', 'message'];
const LEVEL_FIELDS = ['severity', 'adjusted_risk', 'risk_level', 'risk', 'band', 'level'];
/** Care-gap statuses that mean the gap no longer needs anything. */
const CLOSED = new Set(['closed', 'resolved', 'met', 'satisfied', 'not-applicable']);

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

function first(record: JsonObject, fields: string[]): string | undefined {
  for (const f of fields) {
    const v = text(record[f]);
    if (v) return v;
  }
  return undefined;
}

function score(record: JsonObject): string | undefined {
  const s = record.score;
  if (typeof s === 'number') return String(s);
  if (s && typeof s === 'object' && !Array.isArray(s) && typeof (s as JsonObject).value === 'number') return String((s as JsonObject).value);
  return undefined;
}

/** "2026-11-26 09:00 UTC, ai-critical-value-alert, critical: Potassium 6.9 mmol/L ...". */
export function outputLine(o: AiOutput): string {
  const level = first(o.record, LEVEL_FIELDS);
  const s = score(o.record);
  const head = [when(o.at), o.processor, level, s !== undefined ? `score ${s}` : undefined].filter((p) => p !== undefined).join(', ');
  return `${head}: ${first(o.record, TEXT_FIELDS) ?? o.ruleId}`;
}

/** The latest output of each care-gap rule, unless it says the gap was closed. */
export function openCareGaps(gaps: AiOutput[]): AiOutput[] {
  const latest = new Map<string, AiOutput>();
  for (const g of [...gaps].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) latest.set(g.ruleId, g);
  return [...latest.values()].filter((g) => {
    const status = text(g.record.status)?.toLowerCase();
    return !(status && CLOSED.has(status)) && g.record.closed !== true && g.record.open !== false;
  });
}
