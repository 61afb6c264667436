// ai-discharge-summary (discharge-events): when a patient leaves, a discharge summary of the whole
// encounter as a FHIR Composition (LOINC 18842-5), on the summaries topic and in the store. Pure:
// (discharge event, encounter record) -> decision; the record is read from the patient timeline
// once it holds every event of the encounter that came before the discharge (see
// app/encounter-caught-up.ts). With a narrator (an LLM endpoint is configured) the Composition
// also gets a narrative of the stay, written from the deterministic sections, which stay as they
// are: the narrative is grounded on them and they are the fallback when the LLM fails. The
// document holds patient data: never log it.
import type { Composition } from '@medplum/fhirtypes';
import type { ClinicalEvent, JsonObject } from '../event/envelope.ts';
import { LlmError } from '../llm/errors.ts';
import type { Decision } from '../runtime/worker.ts';
import { type OutlineSection, buildDischargeSummary } from '../clinical/discharge/composition.ts';
import { type DischargeLayout, loadDischargeLayout } from '../clinical/discharge/layout.ts';
import { escapeXhtml } from '../clinical/discharge/narrative.ts';
import type { EncounterRecord } from './encounter-record.ts';

export const DISCHARGE_SUMMARY_GROUP = 'ai-discharge-summary';
export const DISCHARGE_SUMMARIES_TOPIC = 'ai-discharge-summaries';
export const SUMMARY_RULE_ID = 'discharge-summary';
/** Extensions saying how the narrative was written (urn: no published StructureDefinition). */
export const NARRATIVE_EXTENSION = { method: 'urn:vigil:narrative-method', model: 'urn:vigil:llm-model', failure: 'urn:vigil:llm-failure' } as const;

export interface DischargeSummaryOptions {
  /** The document layout; loaded from `layoutPath` (default clinical/discharge-summary.json) when absent. */
  layout?: DischargeLayout;
  layoutPath?: string;
  topic?: string;
}

/** A row of the store's ai_outputs table: the summary itself. */
export type DischargeSummaryWrite = {
  output_id: string;
  rule_id: string;
  at: string;
  record: JsonObject;
};

export interface DischargeNarrationRequest {
  /** The consumer group asking (the LLM cache key). */
  processor: string;
  event: ClinicalEvent;
  /** The deterministic sections: all the narrative may say. */
  outline: OutlineSection[];
  signal?: AbortSignal;
}

/** Writes the narrative of a stay from its sections: paragraphs of plain text. Throws LlmError when it cannot. */
export interface DischargeNarrator {
  readonly model: string;
  narrate(request: DischargeNarrationRequest): Promise<string[]>;
}

export type DischargeSummaryProcessor = (event: ClinicalEvent, record: EncounterRecord) => Decision;
export type NarratedDischargeSummaryProcessor = (event: ClinicalEvent, record: EncounterRecord, signal?: AbortSignal) => Promise<Decision>;

function summarise(options: DischargeSummaryOptions) {
  const layout = options.layout ?? loadDischargeLayout(options.layoutPath);
  const topic = options.topic ?? DISCHARGE_SUMMARIES_TOPIC;
  if (topic.trim() === '') throw new RangeError('discharge summary: topic must not be empty');
  return {
    topic,
    build: (event: ClinicalEvent, record: EncounterRecord) =>
      event.event_type === 'discharge' && event.encounter_id !== null ? buildDischargeSummary(event, record, layout) : undefined,
  };
}

function toDecision(event: ClinicalEvent, composition: Composition, topic: string): Decision {
  const value = composition as unknown as JsonObject;
  const write: DischargeSummaryWrite = { output_id: composition.id as string, rule_id: SUMMARY_RULE_ID, at: composition.date as string, record: value };
  return { outputs: [{ topic, key: event.patient_id, value }], writes: [write] };
}

/** The deterministic processor: sections only. */
export function dischargeSummaryProcessor(options: DischargeSummaryOptions = {}): DischargeSummaryProcessor {
  const { topic, build } = summarise(options);
  return (event, record) => {
    const built = build(event, record);
    return built ? toDecision(event, built.composition, topic) : {};
  };
}

/**
 * With an LLM narrator: the same sections, plus the narrator's account of the stay as the
 * Composition's narrative (text.status 'additional'); when the narrator fails, the deterministic
 * document with the failure's class in an extension.
 */
export function narratedDischargeSummaryProcessor(options: DischargeSummaryOptions & { narrator: DischargeNarrator }): NarratedDischargeSummaryProcessor {
  const { topic, build } = summarise(options);
  const { narrator } = options;
  return async (event, record, signal) => {
    const built = build(event, record);
    if (!built) return {};
    const { composition, outline } = built;
    const model = { url: NARRATIVE_EXTENSION.model, valueString: narrator.model };
    try {
      const paragraphs = await narrator.narrate({ processor: DISCHARGE_SUMMARY_GROUP, event, outline, ...(signal ? { signal } : {}) });
      if (paragraphs.length === 0) throw new LlmError('invalid_answer');
      const div = `<div xmlns="http://www.w3.org/1999/xhtml">${paragraphs.map((p) => `<p>${escapeXhtml(p)}</p>`).join('')}</div>`;
      return toDecision(event, { ...composition, text: { status: 'additional', div }, extension: [{ url: NARRATIVE_EXTENSION.method, valueString: 'llm' }, model] }, topic);
    } catch (err) {
      if (!(err instanceof LlmError) || err.failure === 'aborted') throw err;
      const extension = [{ url: NARRATIVE_EXTENSION.method, valueString: 'deterministic' }, model, { url: NARRATIVE_EXTENSION.failure, valueString: err.failure }];
      return toDecision(event, { ...composition, extension }, topic);
    }
  };
}
