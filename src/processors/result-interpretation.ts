// ai-result-interpretation (lab-results): names what a lab report means for the patient, per result
// (against its reference range and the patient's trend) and per panel (patterns across results:
// AKI by KDIGO creatinine, anaemia by size, hyponatraemia bands, HbA1c, hyperkalaemia with a rising
// creatinine). Pure: (event, patient history) -> decision, with the rules in clinical/interpretation.
// An event with something to say yields one record, on the interpretations topic and as a store
// write; a report that is entirely normal with no trend worth naming yields nothing.
//
// The path to an LLM: interpretResults gives structured facts with no prose, and
// phraseDeterministic phrases them. A later LLM step phrases the same facts instead (method says
// which); the rules keep deciding what is found. Records hold patient values: never log them.
import type { ClinicalEvent, JsonObject } from '../event/envelope.ts';
import type { Decision } from '../runtime/worker.ts';
import { interpretResults } from '../clinical/interpretation/interpret.ts';
import { loadInterpretationRules } from '../clinical/interpretation/load-rules.ts';
import { type InterpretationRecord, interpretationId, phraseDeterministic } from '../clinical/interpretation/record.ts';
import type { InterpretationRules } from '../clinical/interpretation/rules.ts';
import type { PatientHistory } from './history.ts';
import { observationsOf } from './lab-observations.ts';

export { loadInterpretationRules, parseInterpretationRules, InterpretationRulesError, DEFAULT_RULES_PATH } from '../clinical/interpretation/load-rules.ts';
export { interpretResults } from '../clinical/interpretation/interpret.ts';
export { interpretationId, phraseDeterministic, type InterpretationFinding, type InterpretationRecord } from '../clinical/interpretation/record.ts';

export const RESULT_INTERPRETATION_GROUP = 'ai-result-interpretation';
export const RESULT_INTERPRETATIONS_TOPIC = 'ai-result-interpretations';

export interface ResultInterpretationOptions {
  /** The rules; loaded from `rulesPath` (default clinical/interpretation-rules.json) and `overridePath` when absent. */
  rules?: InterpretationRules;
  rulesPath?: string;
  /** A site file whose analytes and rules replace or add to the default's. */
  overridePath?: string;
  /** Output topic for interpretations. */
  topic?: string;
}

/** A row of the store's ai_outputs table (see store/timeline.ts recordAiOutputs). */
export type InterpretationWrite = {
  output_id: string;
  rule_id: string;
  fingerprint?: string;
  /** Event time. */
  at: string;
  record: JsonObject;
};

export type ResultInterpretationProcessor = (event: ClinicalEvent, history: PatientHistory) => Decision;

export function resultInterpretationProcessor(options: ResultInterpretationOptions = {}): ResultInterpretationProcessor {
  const rules = options.rules ?? loadInterpretationRules(options.rulesPath, options.overridePath);
  const topic = options.topic ?? RESULT_INTERPRETATIONS_TOPIC;
  if (topic.trim() === '') throw new RangeError('result interpretation: topic must not be empty');

  return (event, history) => {
    if (event.event_type !== 'lab_result') return {};
    const facts = interpretResults({ eventId: event.event_id, eventTime: event.event_timestamp, observations: observationsOf(event.payload), history }, rules);
    if (facts.length === 0) return {};
    const record: InterpretationRecord = {
      interpretation_id: interpretationId(event.event_id),
      patient_id: event.patient_id,
      encounter_id: event.encounter_id,
      source_event_id: event.event_id,
      at: event.event_timestamp,
      findings: phraseDeterministic(facts),
      method: 'deterministic',
      rules_version: rules.version,
    };
    const value = record as unknown as JsonObject;
    const write: InterpretationWrite = { output_id: record.interpretation_id, rule_id: record.findings[0]?.rule.id ?? 'interpretation', at: record.at, record: value };
    return { outputs: [{ topic, key: event.patient_id, value }], writes: [write] };
  };
}
