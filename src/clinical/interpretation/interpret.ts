// The rule engine for one lab_result event: the named patterns first (each explains the results it
// used), then every result no pattern explained, against its reference range and trend. Returns
// facts only, most severe first; phrasing them is a separate step (record.ts phraseDeterministic).
import type { Observation } from '../../event/payloads.ts';
import type { PatientHistory } from '../../processors/history.ts';
import { assessAnaemia } from './anaemia.ts';
import { assessHba1c, assessHyponatraemia } from './bands.ts';
import { type FindingFacts, severityRank } from './facts.ts';
import { assessHyperkalaemia } from './hyperkalaemia.ts';
import { assessAki } from './kidney.ts';
import { assessResult } from './per-result.ts';
import type { ResultSet } from './readings.ts';
import type { Analyte, InterpretationRules } from './rules.ts';

export interface InterpretInput {
  eventId: string;
  /** UTC ISO 8601. */
  eventTime: string;
  observations: readonly Observation[];
  history: PatientHistory;
}

function need(rules: InterpretationRules, id: string): Analyte {
  const a = rules.analytes.get(id);
  // The loader checked every analyte a rule names.
  if (!a) throw new Error(`interpretation rules: analyte "${id}" is missing`);
  return a;
}

function patterns(rules: InterpretationRules, set: ResultSet, history: PatientHistory): FindingFacts[] {
  const out: FindingFacts[] = [];
  const aki = rules.aki ? assessAki(rules.aki, need(rules, rules.aki.analyte), set) : undefined;
  if (aki) out.push(aki);
  if (rules.hyperkalaemia && rules.trend) {
    const h = rules.hyperkalaemia;
    const found = assessHyperkalaemia(h, { potassium: need(rules, h.potassium), creatinine: need(rules, h.creatinine), trend: rules.trend, ...(aki ? { aki } : {}) }, set);
    if (found) out.push(found);
  }
  if (rules.anaemia) {
    const found = assessAnaemia(rules.anaemia, { hemoglobin: need(rules, rules.anaemia.hemoglobin), mcv: need(rules, rules.anaemia.mcv) }, set, history);
    if (found) out.push(found);
  }
  if (rules.hyponatraemia) {
    const found = assessHyponatraemia(rules.hyponatraemia, need(rules, rules.hyponatraemia.analyte), set, rules.trend);
    if (found) out.push(found);
  }
  if (rules.hba1c) {
    const found = assessHba1c(rules.hba1c, need(rules, rules.hba1c.analyte), set, history.diagnoses, rules.trend);
    if (found) out.push(found);
  }
  return out;
}

/** Every finding for the event's results, most severe first (then patterns before single results, in report order). */
export function interpretResults(input: InterpretInput, rules: InterpretationRules): FindingFacts[] {
  const set: ResultSet = { eventId: input.eventId, eventTime: input.eventTime, current: input.observations, past: input.history.observations };
  const named = patterns(rules, set, input.history);
  const explained = new Set(named.flatMap((f) => f.covers));
  const single = input.observations.flatMap((obs, i) => (explained.has(i) ? [] : assessResult(obs, i, set, rules)));
  return [...named, ...single].map((f, order) => ({ f, order })).sort((a, b) => severityRank(b.f.severity) - severityRank(a.f.severity) || a.order - b.order).map(({ f }) => f);
}
