// ai-critical-value-alert (lab-results): pages on critical lab values. Pure: (event, patient
// history) -> decision, with the rule engine in clinical/critical. Each paging observation yields
// one alert, on the alerts topic and as a store write (the ai_outputs row that later events read
// back as history.decisions for repeat suppression). What was judged and not paged (a repeat, a
// preliminary result held for the final, a limit that could not be applied) is written too, as a
// note row, so the decision says why. Alerts and notes hold patient values: never log them.
import type { ClinicalEvent, JsonObject } from '../event/envelope.ts';
import type { Decision, OutputRecord } from '../runtime/worker.ts';
import { alertId, buildAlert } from '../clinical/critical/alert.ts';
import { type Assessment, assessObservation, type PreliminaryPolicy } from '../clinical/critical/evaluate.ts';
import { loadCriticalTable } from '../clinical/critical/load-table.ts';
import { findRepeat } from '../clinical/critical/repeat.ts';
import type { CriticalTable } from '../clinical/critical/table.ts';
import type { PastDecision, PatientHistory } from './history.ts';
import { observationsOf } from './lab-observations.ts';

export const CRITICAL_VALUE_GROUP = 'ai-critical-value-alert';
export const CRITICAL_ALERTS_TOPIC = 'ai-critical-alerts';
export const DEFAULT_REPEAT_WINDOW_HOURS = 6;

export interface CriticalValueOptions {
  /** The limits table; loaded from `limitsPath` (default clinical/critical-limits.json) and `overridePath` when absent. */
  table?: CriticalTable;
  limitsPath?: string;
  /** A site file whose limits and delta checks replace or add to the default's. */
  overridePath?: string;
  /** Output topic for alerts. */
  topic?: string;
  /** A critical value already paged by the same rule within this many hours pages again only if worse. */
  repeatWindowHours?: number;
  preliminary?: PreliminaryPolicy;
}

/** A row of the store's ai_outputs table (see store/timeline.ts): an alert, or a note of what was not paged. */
export type CriticalWrite = {
  output_id: string;
  rule_id: string;
  fingerprint?: string;
  /** Event time: the repeat window is measured on it. */
  at: string;
  record: JsonObject;
};

export type NoteKind = 'suppressed-repeat' | 'preliminary-held' | 'limit-not-applied';

export type CriticalValueProcessor = (event: ClinicalEvent, history: PatientHistory) => Decision;

export function criticalValueProcessor(options: CriticalValueOptions = {}): CriticalValueProcessor {
  const table = options.table ?? loadCriticalTable(options.limitsPath, options.overridePath);
  const topic = options.topic ?? CRITICAL_ALERTS_TOPIC;
  const windowHours = options.repeatWindowHours ?? DEFAULT_REPEAT_WINDOW_HOURS;
  const preliminary = options.preliminary ?? 'when-flagged';
  if (topic.trim() === '') throw new RangeError('critical value alert: topic must not be empty');
  if (!Number.isFinite(windowHours) || windowHours <= 0) throw new RangeError('critical value alert: repeatWindowHours must be a positive number');
  if (preliminary !== 'when-flagged' && preliminary !== 'never') throw new RangeError('critical value alert: preliminary must be "when-flagged" or "never"');
  const windowMs = windowHours * 3_600_000;

  return (event, history) => {
    if (event.event_type !== 'lab_result') return {};
    const at = event.event_timestamp;
    const outputs: OutputRecord[] = [];
    const writes: CriticalWrite[] = [];
    // Pages of this event join the history, so a second identical value in one report is a repeat too.
    const decisions: PastDecision[] = [...history.decisions];
    const occurrences = new Map<string, number>();

    const note = (kind: NoteKind, a: Assessment, occurrence: number, detail: JsonObject): CriticalWrite => {
      const ruleId = `note:${kind}`;
      const subject = typeof detail.rule_id === 'string' ? `${ruleId}:${detail.rule_id}` : ruleId;
      return {
        output_id: alertId(event.event_id, subject, a.observation.code, occurrence),
        rule_id: ruleId,
        at,
        record: {
          note: kind,
          patient_id: event.patient_id,
          encounter_id: event.encounter_id,
          source_event_id: event.event_id,
          rules_version: table.version,
          observation: { code: a.observation.code, units: a.observation.units ?? null, status: a.observation.status },
          ...detail,
        },
      };
    };

    for (const obs of observationsOf(event.payload)) {
      const codeText = `${obs.code.system}|${obs.code.code}`;
      const occurrence = occurrences.get(codeText) ?? 0;
      occurrences.set(codeText, occurrence + 1);
      const a = assessObservation(obs, { table, past: history.observations, eventId: event.event_id, eventTime: at, preliminary });

      if (a.outcome?.status === 'not-judged' && a.status !== 'other') {
        writes.push(note('limit-not-applied', a, occurrence, { reason: a.outcome.reason, limit_units: a.limit?.units ?? null }));
      }
      if (a.held) writes.push(note('preliminary-held', a, occurrence, { reason: `preliminary results page only ${preliminary === 'never' ? 'when final' : 'when the laboratory flags them LL, HH or AA'}` }));

      const candidates = [
        ...(a.critical ? [{ kind: 'critical' as const, finding: a.critical }] : []),
        ...(a.delta ? [{ kind: 'delta' as const, finding: a.delta }] : []),
      ];
      for (const paging of candidates) {
        const { ruleId, fingerprint, worse } = paging.finding;
        const repeat = findRepeat({ ruleId, fingerprint, worse, at, windowMs }, decisions);
        if (repeat) {
          writes.push(note('suppressed-repeat', a, occurrence, { rule_id: ruleId, fingerprint, repeat_of: { at: repeat.at, fingerprint: repeat.fingerprint ?? null }, window_hours: windowHours }));
          continue;
        }
        const alert = buildAlert({ event, assessment: a, paging, version: table.version, occurrence });
        outputs.push({ topic, key: event.patient_id, value: alert });
        writes.push({ output_id: alert.alert_id, rule_id: ruleId, fingerprint, at, record: alert });
        decisions.unshift({ ruleId, at, fingerprint });
        // One alert per observation: a delta that fired with a critical value rides on its alert.
        break;
      }
    }
    return { ...(outputs.length ? { outputs } : {}), ...(writes.length ? { writes } : {}) };
  };
}
