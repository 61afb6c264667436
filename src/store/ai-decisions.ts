// The newest AI decisions for screens: ids, kinds, severity, rule and time, read field by field
// from ai_outputs. The records themselves hold patient values and never leave the store here.
import type { Sql } from './db.ts';

export interface AiDecision {
  processor: string;
  outputId: string;
  eventId: string;
  /** alert, note, interpretation, drug_interaction, drug_interaction_unmapped, ... */
  kind: string;
  /** The record's severity, or its most severe finding's; null for notes. */
  severity: string | null;
  critical: boolean;
  ruleId: string;
  at: string;
}

// Most severe first, across the processors' scales (critical values, interactions, interpretations).
const SEVERITY_ORDER = ['critical', 'contraindicated', 'urgent', 'high', 'moderate', 'attention', 'info'];

function mostSevere(values: (string | null)[]): string | null {
  const known = values.filter((v): v is string => v !== null);
  if (known.length === 0) return null;
  return known.sort((a, b) => rank(a) - rank(b))[0] as string;
}

function rank(severity: string | null): number {
  const i = severity === null ? -1 : SEVERITY_ORDER.indexOf(severity);
  return i < 0 ? SEVERITY_ORDER.length : i;
}

/**
 * The latest decisions, critical alerts of the last `criticalHours` first (newest first), then
 * everything else newest first.
 */
export async function latestAiDecisions(db: Sql, limit = 50, criticalHours = 24): Promise<AiDecision[]> {
  const rows = await db.query<{ processor: string; output_id: string; event_id: string; rule_id: string; at: Date | string; severity: string | null; note: string | null; kind: string | null; finding_severities: string[] | null; is_critical: boolean }>(
    `SELECT processor, output_id, event_id, rule_id, at,
            record->>'severity' AS severity, record->>'note' AS note, record->>'kind' AS kind,
            CASE WHEN jsonb_typeof(record->'findings') = 'array'
                 THEN ARRAY(SELECT f->>'severity' FROM jsonb_array_elements(record->'findings') AS f) END AS finding_severities,
            (record->>'severity' = 'critical' AND at >= now() - make_interval(hours => $2)) AS is_critical
     FROM ai_outputs
     ORDER BY is_critical DESC NULLS LAST, at DESC, output_id
     LIMIT $1`,
    [limit, criticalHours],
  );
  return rows.map((r) => {
    const severity = r.severity ?? mostSevere(r.finding_severities ?? []);
    return {
      processor: r.processor,
      outputId: r.output_id,
      eventId: r.event_id,
      kind: r.note !== null ? 'note' : (r.kind ?? (r.finding_severities ? 'interpretation' : r.severity !== null ? 'alert' : 'output')),
      severity,
      critical: r.is_critical === true,
      ruleId: r.rule_id,
      at: new Date(r.at).toISOString(),
    };
  });
}
