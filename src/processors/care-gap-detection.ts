// ai-care-gap-detection (hl7-adt-events, lab-results; both keyed by patient): opens and closes care
// gaps per patient, in the order the patient's events come. Pure: (event, history) -> decision. At
// every event it evaluates all rules as of T (the event's time, never earlier than the last
// evaluation, so time only moves forward and a patient's final state does not depend on how the
// two topics interleave) and compares the result with the patient's open gaps;
// each difference is one output record: opened, escalated (open -> overdue), updated (a new due
// date) or closed. The decision's writes carry the patient's whole new state (open gaps, the next
// wake time) with a version one above the one it was computed from: the store keeps the highest.
// A `care_gap_due` event (from the due sweeper, at a wake time) is only a clock tick for the patient.
import { createHash } from 'node:crypto';
import type { ClinicalEvent, JsonObject } from '../event/envelope.ts';
import { type CareGapFacts, type CloseReason, evaluateCareGaps, type GapFinding } from '../clinical/care-gaps/evaluate.ts';
import { type CareGapRules, loadCareGapRules, type RuleId } from '../clinical/care-gaps/rules.ts';
import type { Decision, OutputRecord } from '../runtime/worker.ts';

export const CARE_GAP_GROUP = 'ai-care-gap-detection';
export const CARE_GAPS_TOPIC = 'ai-care-gaps';

export interface OpenGap {
  gap_id: string;
  key: string;
  rule_id: RuleId;
  rule_version: number;
  status: 'open' | 'overdue';
  encounter_id: string | null;
  opened_at: string;
  due_at: string;
  explanation: string;
}

/** The patient's care-gap state as the store (or the worker's not yet stored decisions) holds it. */
export interface CareGapState {
  version: number;
  /** The latest T evaluated. */
  evaluatedAt?: string;
  wakeAt?: string;
  gaps: OpenGap[];
}

export interface CareGapHistory {
  facts: CareGapFacts;
  state: CareGapState;
}

export type Transition = 'opened' | 'escalated' | 'updated' | 'closed';

/** The decision's state write: the whole state, applied only over a lower version. */
export interface CareGapStateWrite {
  op: 'care_gap_state';
  patient_id: string;
  version: number;
  evaluated_at: string;
  wake_at: string | null;
  wake_rules: RuleId[];
  gaps: OpenGap[];
}

/** One output record, also kept in ai_outputs. */
export interface CareGapOutputWrite {
  op: 'care_gap_output';
  output_id: string;
  rule_id: string;
  at: string;
  record: JsonObject;
}

export type CareGapProcessor = (event: ClinicalEvent, history: CareGapHistory) => Decision;

export interface CareGapOptions {
  rules?: CareGapRules;
  rulesPath?: string;
  topic?: string;
}

const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24);

export function emptyCareGapState(): CareGapState {
  return { version: 0, gaps: [] };
}

/** The event id of the due tick for a patient at a wake time: a repeated sweep yields the same id. */
export function careGapDueEventId(patientId: string, wakeAt: string, rules: readonly string[]): string {
  return `care-gap-due-${hash(patientId, new Date(wakeAt).toISOString(), [...rules].sort().join(','))}`;
}

export function careGapProcessor(options: CareGapOptions = {}): CareGapProcessor {
  const rules = options.rules ?? loadCareGapRules(options.rulesPath);
  const topic = options.topic ?? CARE_GAPS_TOPIC;
  const cite = (ids: string[]) => ids.map((id) => rules.sources.find((s) => s.id === id)?.citation ?? id);

  return (event, { facts, state }) => {
    const T = [event.event_timestamp, state.evaluatedAt ?? event.event_timestamp].sort().at(-1) as string;
    const evaluation = evaluateCareGaps(rules, facts, T);
    const found = new Map<string, GapFinding>(evaluation.findings.map((f) => [f.key, f]));
    const previous = new Map(state.gaps.map((g) => [g.key, g]));
    const gaps: OpenGap[] = [];
    const changes: { transition: Transition; gap: OpenGap; reason?: CloseReason }[] = [];

    for (const f of evaluation.findings) {
      if (f.status === 'closed') continue;
      const before = previous.get(f.key);
      const rule = rules.rules[f.ruleId];
      const gap: OpenGap = {
        gap_id: before?.gap_id ?? hash(event.patient_id, f.key, T),
        key: f.key,
        rule_id: f.ruleId,
        rule_version: rule.version,
        status: f.status,
        encounter_id: f.encounterId,
        opened_at: before?.opened_at ?? T,
        due_at: f.dueAt,
        explanation: f.explanation,
      };
      gaps.push(gap);
      if (!before) changes.push({ transition: 'opened', gap });
      else if (before.status === 'open' && gap.status === 'overdue' && before.due_at === gap.due_at) changes.push({ transition: 'escalated', gap });
      else if (before.status !== gap.status || before.due_at !== gap.due_at) changes.push({ transition: 'updated', gap });
    }
    for (const before of state.gaps) {
      const f = found.get(before.key);
      if (f && f.status !== 'closed') continue;
      // Gone from the rule's answer: a newer discharge replaced this one's, or the rule no longer applies.
      const reason: CloseReason = f?.reason ?? (before.encounter_id ? 'superseded' : 'no-longer-applies');
      changes.push({ transition: 'closed', gap: { ...before, explanation: f?.explanation ?? before.explanation }, reason });
    }

    const wakeAt = evaluation.wakeAt ?? null;
    // The evaluation instant is kept even when nothing changed: an event read later with an earlier
    // time (from the other topic) is then judged with what this one already saw.
    if (changes.length === 0 && wakeAt === (state.wakeAt ?? null) && T === state.evaluatedAt) return {};

    const outputs: OutputRecord[] = [];
    const writes: JsonObject[] = [];
    for (const { transition, gap, reason } of changes) {
      const rule = rules.rules[gap.rule_id];
      const record: JsonObject = {
        kind: 'care_gap',
        transition,
        gap_id: gap.gap_id,
        patient_id: event.patient_id,
        encounter_id: gap.encounter_id,
        status: transition === 'closed' ? 'closed' : gap.status,
        ...(reason ? { reason } : {}),
        rule: { id: gap.rule_id, version: rule.version, title: rule.title, sources: cite(rule.sources) },
        rules_revision: rules.revision,
        explanation: gap.explanation,
        opened_at: gap.opened_at,
        due_at: gap.due_at,
        ...(transition === 'closed' ? { closed_at: T } : {}),
        evaluated_at: T,
        source_event_id: event.event_id,
      };
      outputs.push({ topic, key: event.patient_id, value: record });
      writes.push({ op: 'care_gap_output', output_id: hash(gap.gap_id, transition, event.event_id), rule_id: gap.rule_id, at: T, record } satisfies CareGapOutputWrite);
    }
    const stateWrite: CareGapStateWrite = {
      op: 'care_gap_state',
      patient_id: event.patient_id,
      version: state.version + 1,
      evaluated_at: T,
      wake_at: wakeAt,
      wake_rules: evaluation.wakeRules,
      gaps,
    };
    writes.unshift(stateWrite as unknown as JsonObject);
    return { ...(outputs.length ? { outputs } : {}), writes };
  };
}

/** The state a decision leaves the patient in (its state write), or undefined when it changed nothing. */
export function stateAfter(decision: Decision): CareGapState | undefined {
  const w = decision.writes?.find((x) => x.op === 'care_gap_state') as unknown as CareGapStateWrite | undefined;
  if (!w) return undefined;
  return { version: w.version, evaluatedAt: w.evaluated_at, ...(w.wake_at ? { wakeAt: w.wake_at } : {}), gaps: w.gaps };
}
