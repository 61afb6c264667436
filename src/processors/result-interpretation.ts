// ai-result-interpretation (lab-results): names what a lab report means for the patient, per result
// (against its reference range and the patient's trend) and per panel (patterns across results:
// AKI by KDIGO creatinine, anaemia by size, hyponatraemia bands, HbA1c, hyperkalaemia with a rising
// creatinine). Pure: (event, patient history) -> decision, with the rules in clinical/interpretation.
// An event with something to say yields one record, on the interpretations topic and as a store
// write; a report that is entirely normal with no trend worth naming yields nothing.
//
// The LLM path: interpretResults gives structured facts with no prose, and phraseDeterministic
// phrases them. With a narrator (narratedResultInterpretationProcessor, used when an LLM endpoint
// is configured) an LLM rewrites the two texts grounded on those facts; the rules keep deciding
// what is found, and the record says who wrote the text (method, model). When the LLM fails after
// its retries the deterministic text goes out, flagged with llm_failure: the findings are the
// clinical content and must not wait on a text service. Only a stopping worker (aborted) or a
// failure outside the LLM (the store) throws, so the runtime retries the event.
// Records hold patient values: never log them.
import type { ClinicalEvent, JsonObject } from '../event/envelope.ts';
import type { Decision } from '../runtime/worker.ts';
import { interpretResults } from '../clinical/interpretation/interpret.ts';
import { loadInterpretationRules } from '../clinical/interpretation/load-rules.ts';
import { type InterpretationFinding, type InterpretationRecord, interpretationId, phraseDeterministic } from '../clinical/interpretation/record.ts';
import type { InterpretationRules } from '../clinical/interpretation/rules.ts';
import { LlmError } from '../llm/errors.ts';
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

/** The two texts of one finding. */
export interface Narration {
  clinician: string;
  plain: string;
}

export interface NarrationRequest {
  /** The consumer group asking (the LLM cache key). */
  processor: string;
  event: ClinicalEvent;
  history: PatientHistory;
  /** The findings with their facts and deterministic texts (the grounding). */
  findings: InterpretationFinding[];
  signal?: AbortSignal;
}

/** Rewrites the findings' texts; one narration per finding, in order. Throws LlmError when it cannot. */
export interface InterpretationNarrator {
  readonly model: string;
  narrate(request: NarrationRequest): Promise<Narration[]>;
}

export type NarratedResultInterpretationProcessor = (event: ClinicalEvent, history: PatientHistory, signal?: AbortSignal) => Promise<Decision>;

function decide(options: ResultInterpretationOptions): (event: ClinicalEvent, history: PatientHistory) => { record: InterpretationRecord; topic: string } | undefined {
  const rules = options.rules ?? loadInterpretationRules(options.rulesPath, options.overridePath);
  const topic = options.topic ?? RESULT_INTERPRETATIONS_TOPIC;
  if (topic.trim() === '') throw new RangeError('result interpretation: topic must not be empty');

  return (event, history) => {
    if (event.event_type !== 'lab_result') return undefined;
    const facts = interpretResults({ eventId: event.event_id, eventTime: event.event_timestamp, observations: observationsOf(event.payload), history }, rules);
    if (facts.length === 0) return undefined;
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
    return { record, topic };
  };
}

function toDecision(event: ClinicalEvent, record: InterpretationRecord, topic: string): Decision {
  const value = record as unknown as JsonObject;
  const write: InterpretationWrite = { output_id: record.interpretation_id, rule_id: record.findings[0]?.rule.id ?? 'interpretation', at: record.at, record: value };
  return { outputs: [{ topic, key: event.patient_id, value }], writes: [write] };
}

/** The deterministic processor: the texts come from the phrasers. */
export function resultInterpretationProcessor(options: ResultInterpretationOptions = {}): ResultInterpretationProcessor {
  const run = decide(options);
  return (event, history) => {
    const decided = run(event, history);
    return decided ? toDecision(event, decided.record, decided.topic) : {};
  };
}

/**
 * The processor with an LLM narrator: same findings, texts by the narrator, deterministic texts
 * (flagged with llm_failure) when the narrator fails.
 */
export function narratedResultInterpretationProcessor(options: ResultInterpretationOptions & { narrator: InterpretationNarrator }): NarratedResultInterpretationProcessor {
  const run = decide(options);
  const { narrator } = options;
  return async (event, history, signal) => {
    const decided = run(event, history);
    if (!decided) return {};
    const { record, topic } = decided;
    let narrated: InterpretationRecord;
    try {
      const texts = await narrator.narrate({ processor: RESULT_INTERPRETATION_GROUP, event, history, findings: record.findings, ...(signal ? { signal } : {}) });
      if (texts.length !== record.findings.length) throw new LlmError('invalid_answer');
      narrated = {
        ...record,
        findings: record.findings.map((f, i) => ({ ...f, explanation_clinician: texts[i]?.clinician ?? '', explanation_plain: texts[i]?.plain ?? '' })),
        method: 'llm',
        model: narrator.model,
      };
    } catch (err) {
      if (!(err instanceof LlmError) || err.failure === 'aborted') throw err;
      narrated = { ...record, model: narrator.model, llm_failure: err.failure };
    }
    return toDecision(event, narrated, topic);
  };
}
