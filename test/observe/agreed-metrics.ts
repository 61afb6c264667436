// The metric names agreed across the project (prom-client default registry), and a reader of the
// metric names a PromQL expression selects, so that rules and dashboards can be checked against them.

export const AGREED_METRICS = [
  'kafka_consumer_group_lag',
  'kafka_consumer_group_lag_seconds',
  'vigil_processing_duration_seconds',
  'vigil_end_to_end_latency_seconds',
  'vigil_records_processed_total',
  'vigil_retries_total',
  'vigil_dead_lettered_total',
  'vigil_in_flight',
  'vigil_buffered',
  'vigil_paused',
  'vigil_parked_keys',
  'vigil_consumer_group_status',
  'vigil_dlq_open_entries',
  'vigil_llm_tokens_total',
  'vigil_llm_requests_total',
];

const HISTOGRAMS = ['vigil_processing_duration_seconds', 'vigil_end_to_end_latency_seconds'];

/** Every series name a query may select: the agreed names and the histograms' own series. */
export const AGREED_SERIES = new Set([
  ...AGREED_METRICS,
  ...HISTOGRAMS.flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]),
]);

// PromQL words that are not metric names: aggregations, set and grouping keywords.
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression selects (Grafana variables like $group are ignored). */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // string literals
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range selectors
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // label lists
    .replace(/\$\{?\w+\}?/g, '') // Grafana variables
    .replace(/(?<![A-Za-z0-9_:])\d[\w.]*/g, ''); // numbers and durations
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0];
    // A word followed by "(" is a function or an aggregation.
    const after = stripped.slice((m.index ?? 0) + word.length).trimStart();
    if (after.startsWith('(') || KEYWORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names];
}
