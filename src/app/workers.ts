// The AI consumers the main job runs: each a declaration from the topology (its group and the
// topics it reads), its processor, and the store hook that applies its writes.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClinicalEvent, JsonObject } from '../event/envelope.ts';
import type { PatientHistory } from '../processors/history.ts';
import { CRITICAL_VALUE_GROUP, criticalValueProcessor } from '../processors/critical-value-alert.ts';
import { DISCHARGE_SUMMARY_GROUP, type DischargeNarrator, dischargeSummaryProcessor, narratedDischargeSummaryProcessor } from '../processors/discharge-summary.ts';
import type { GroupProgress } from '../kafka/group-progress.ts';
import { loadEncounterRecord } from '../store/encounter-record.ts';
import { encounterCaughtUp } from './encounter-caught-up.ts';
import { DRUG_INTERACTION_GROUP, drugInteractionProcessor } from '../processors/drug-interaction-check.ts';
import { TIMELINE_GROUP, projectEvent } from '../processors/patient-timeline.ts';
import { PRIOR_AUTHORIZATION_GROUP, priorAuthorizationProcessor } from '../processors/prior-authorization.ts';
import {
  type InterpretationNarrator,
  RESULT_INTERPRETATION_GROUP,
  narratedResultInterpretationProcessor,
  resultInterpretationProcessor,
} from '../processors/result-interpretation.ts';
import { RISK_ASSESSMENT_GROUP, riskAssessmentProcessor } from '../processors/risk-assessment.ts';
import type { Decision, WorkerDeclaration } from '../runtime/worker.ts';
import type { Sql } from '../store/db.ts';
import { type AiOutputRow, applyTimelineWrites, loadHistory, recordAiOutputs } from '../store/timeline.ts';
import { type Topology, outputTopicOf } from '../topology/topology.ts';

/** Topics the topology lists `group` as a consumer of. */
export function topicsOf(topology: Topology, group: string): string[] {
  const topics = topology.topics.filter((t) => t.consumers.includes(group)).map((t) => t.name);
  if (topics.length === 0) throw new Error(`the topology names no topic for consumer group ${group}`);
  return topics;
}

export function timelineWorker(topology: Topology): WorkerDeclaration {
  return {
    group: TIMELINE_GROUP,
    topics: topicsOf(topology, TIMELINE_GROUP),
    processor: projectEvent,
    store: (tx, _event, writes) => applyTimelineWrites(tx, writes),
  };
}

/** How long a processor waits for the timeline to catch up before deciding on partial history. */
const HISTORY_WAIT_MS = 15_000;

/**
 * Per-patient causality across topics (invariant 9): the history a processor reads must hold the
 * event itself (so every earlier event of its partition too: the timeline commits in offset order)
 * and, for a result, the order it answers (by placer number). Resolves false after the bounded wait.
 */
export async function timelineCaughtUp(db: Sql, event: ClinicalEvent, maxWaitMs = HISTORY_WAIT_MS): Promise<boolean> {
  // The care-gap sweeper's tick is no clinical fact: the timeline never holds it.
  if (event.event_type === 'care_gap_due') return true;
  const placer = event.event_type === 'lab_result' ? (event.payload.order as { placerNumber?: string } | undefined)?.placerNumber : undefined;
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const [row] = await db.query<{ seen: boolean; ordered: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM timeline_events WHERE event_id = $1) AS seen,
              ($3::text IS NULL OR EXISTS (SELECT 1 FROM orders WHERE patient_id = $2 AND placer_number = $3)) AS ordered`,
      [event.event_id, event.patient_id, placer ?? null],
    );
    if (row?.seen && row.ordered) return true;
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
}

/**
 * An AI consumer: its pure processor gets the patient's history from the timeline (once the
 * timeline has caught up with the event, or after a bounded wait, then its outputs say
 * `vigil_history: partial`), and the records it writes are kept per patient (for the dashboard
 * and its own repeat suppression).
 */
export function aiWorker(
  group: string,
  topology: Topology,
  db: Sql,
  processor: (event: ClinicalEvent, history: PatientHistory, signal: AbortSignal) => Decision | Promise<Decision>,
  toRow: (write: JsonObject, event: ClinicalEvent) => AiOutputRow | undefined,
): WorkerDeclaration {
  return {
    group,
    topics: topicsOf(topology, group),
    processor: async (event, ctx) => {
      const complete = await timelineCaughtUp(db, event);
      const decision = await processor(event, await loadHistory(db, event.patient_id, event.event_timestamp, { processor: group }), ctx.signal);
      if (complete) return decision;
      return { ...decision, outputs: decision.outputs?.map((o) => ({ ...o, headers: { ...o.headers, vigil_history: 'partial' } })) };
    },
    store: (tx, event, writes) =>
      recordAiOutputs(tx, group, event, writes.flatMap((w) => toRow(w, event as ClinicalEvent) ?? [])),
  };
}

export function drugInteractionWorker(topology: Topology, db: Sql): WorkerDeclaration {
  return aiWorker(DRUG_INTERACTION_GROUP, topology, db, drugInteractionProcessor({ topic: outputTopicOf(topology, DRUG_INTERACTION_GROUP) }), (w, e) =>
    w.kind === 'drug_interaction'
      ? { output_id: String(w.finding_id), rule_id: String((w.rule as JsonObject).id), at: String(w.at ?? e.event_timestamp), record: w }
      : undefined,
  );
}

export function criticalValueWorker(topology: Topology, db: Sql): WorkerDeclaration {
  // Its writes are already output rows (alerts, and notes on what was judged and not paged).
  return aiWorker(CRITICAL_VALUE_GROUP, topology, db, criticalValueProcessor({ topic: outputTopicOf(topology, CRITICAL_VALUE_GROUP) }), (w) => w as unknown as AiOutputRow);
}

/** With a narrator (an LLM endpoint is configured) the texts are the LLM's; without, deterministic. */
export function resultInterpretationWorker(topology: Topology, db: Sql, narrator?: InterpretationNarrator): WorkerDeclaration {
  const topic = outputTopicOf(topology, RESULT_INTERPRETATION_GROUP);
  const processor = narrator ? narratedResultInterpretationProcessor({ topic, narrator }) : resultInterpretationProcessor({ topic });
  // Its writes are already output rows (one interpretation per event with something to say).
  return aiWorker(RESULT_INTERPRETATION_GROUP, topology, db, processor, (w) => w as unknown as AiOutputRow);
}

/**
 * ai-discharge-summary: waits until the timeline holds the discharge's whole encounter (see
 * encounter-caught-up.ts) or `historyWaitMs` passed (then the summary says `vigil_history: partial`
 * in its headers and its meta.tag), reads the encounter from it and summarises it. With a narrator
 * (an LLM endpoint is configured) the summary gets the LLM's narrative of the stay as well.
 */
export function dischargeSummaryWorker(topology: Topology, db: Sql, progress: GroupProgress, opts: { historyWaitMs: number; narrator?: DischargeNarrator | undefined }): WorkerDeclaration {
  const topic = outputTopicOf(topology, DISCHARGE_SUMMARY_GROUP);
  const processor = opts.narrator ? narratedDischargeSummaryProcessor({ topic, narrator: opts.narrator }) : dischargeSummaryProcessor({ topic });
  return {
    group: DISCHARGE_SUMMARY_GROUP,
    topics: topicsOf(topology, DISCHARGE_SUMMARY_GROUP),
    processor: async (event, ctx) => {
      if (event.event_type !== 'discharge' || event.encounter_id === null) return {};
      const complete = await encounterCaughtUp(progress, db, topology, event, opts.historyWaitMs, ctx.signal);
      const record = await loadEncounterRecord(db, event.patient_id, event.encounter_id, { processor: DISCHARGE_SUMMARY_GROUP, at: event.event_timestamp });
      const decision = await processor(event, { ...record, complete }, ctx.signal);
      if (complete) return decision;
      return { ...decision, outputs: decision.outputs?.map((o) => ({ ...o, headers: { ...o.headers, vigil_history: 'partial' } })) };
    },
    // Its writes are already output rows (the summary).
    store: (tx, event, writes) => recordAiOutputs(tx, DISCHARGE_SUMMARY_GROUP, event, writes as unknown as AiOutputRow[]),
  };
}

export function riskAssessmentWorker(topology: Topology, db: Sql): WorkerDeclaration {
  // One assessment per admission, transfer or discharge: its scores in one record and one row.
  return aiWorker(RISK_ASSESSMENT_GROUP, topology, db, riskAssessmentProcessor({ topic: outputTopicOf(topology, RISK_ASSESSMENT_GROUP) }), (w, e) => ({
    output_id: String(w.assessment_id),
    rule_id: `risk:${((w.scores as JsonObject[]) ?? []).map((s) => String(s.score_id)).join('+')}`,
    at: String(w.at ?? e.event_timestamp),
    record: w,
  }));
}

export function priorAuthorizationWorker(topology: Topology, db: Sql): WorkerDeclaration {
  return aiWorker(PRIOR_AUTHORIZATION_GROUP, topology, db, priorAuthorizationProcessor({ topic: outputTopicOf(topology, PRIOR_AUTHORIZATION_GROUP) }), (w, e) => ({
    output_id: String(w.determination_id),
    rule_id: String((w.rule as JsonObject).id),
    fingerprint: String(w.status),
    at: String(w.at ?? e.event_timestamp),
    record: w,
  }));
}
