// ai-discharge-summary (discharge-events): when a patient leaves, a discharge summary of the whole
// encounter as a FHIR Composition (LOINC 18842-5), on the summaries topic and in the store. Pure:
// (discharge event, encounter record) -> decision; the record is read from the patient timeline
// once it holds every event of the encounter that came before the discharge (see
// app/encounter-caught-up.ts). The document holds patient data: never log it.
import type { ClinicalEvent, JsonObject } from '../event/envelope.ts';
import type { Decision } from '../runtime/worker.ts';
import { buildDischargeSummary } from '../clinical/discharge/composition.ts';
import { type DischargeLayout, loadDischargeLayout } from '../clinical/discharge/layout.ts';
import type { EncounterRecord } from './encounter-record.ts';

export const DISCHARGE_SUMMARY_GROUP = 'ai-discharge-summary';
export const DISCHARGE_SUMMARIES_TOPIC = 'ai-discharge-summaries';
export const SUMMARY_RULE_ID = 'discharge-summary';

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

export type DischargeSummaryProcessor = (event: ClinicalEvent, record: EncounterRecord) => Decision;

export function dischargeSummaryProcessor(options: DischargeSummaryOptions = {}): DischargeSummaryProcessor {
  const layout = options.layout ?? loadDischargeLayout(options.layoutPath);
  const topic = options.topic ?? DISCHARGE_SUMMARIES_TOPIC;
  if (topic.trim() === '') throw new RangeError('discharge summary: topic must not be empty');

  return (event, record) => {
    if (event.event_type !== 'discharge' || event.encounter_id === null) return {};
    const { composition } = buildDischargeSummary(event, record, layout);
    const value = composition as unknown as JsonObject;
    const write: DischargeSummaryWrite = { output_id: composition.id as string, rule_id: SUMMARY_RULE_ID, at: composition.date as string, record: value };
    return { outputs: [{ topic, key: event.patient_id, value }], writes: [write] };
  };
}
