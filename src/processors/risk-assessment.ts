// ai-risk-assessment (hl7-adt-events): on admission and transfer, NEWS2 from the newest charted
// vital signs and the Charlson index from the diagnoses on file; on discharge from a hospital stay,
// the LACE index.
// Pure: (event, history) -> one assessment record, on the output topic and in the store. Records
// hold patient values: never log them.
import { createHash } from 'node:crypto';
import type { ClinicalEvent, JsonObject } from '../event/envelope.ts';
import { type AdtPayload, type Diagnosis, SYSTEM } from '../event/payloads.ts';
import { charlsonScore } from '../clinical/risk/charlson.ts';
import { laceScore } from '../clinical/risk/lace.ts';
import { readNews2, scoreNews2, type SourcedObservation, spo2Scale } from '../clinical/risk/news2.ts';
import type { RiskScore } from '../clinical/risk/score.ts';
import { type CharlsonTable, type LaceTable, loadCharlsonTable, loadLaceTable, loadNews2Table, type News2Table } from '../clinical/risk/tables.ts';
import type { Decision } from '../runtime/worker.ts';
import type { PatientHistory } from './history.ts';

export const RISK_ASSESSMENT_GROUP = 'ai-risk-assessment';
export const DEFAULT_RISK_SCORES_TOPIC = 'ai-risk-scores';

export interface RiskAssessmentOptions {
  topic?: string;
  news2?: News2Table;
  charlson?: CharlsonTable;
  lace?: LaceTable;
}

export interface RiskAssessment {
  kind: 'risk_assessment';
  assessment_id: string;
  patient_id: string;
  encounter_id: string | null;
  source_event_id: string;
  /** The ADT event that triggered it: admission, transfer or discharge. */
  trigger: string;
  at: string;
  /** For screens that rank decisions (store/ai-decisions.ts): the most severe of the scores' bands. */
  severity: string;
  scores: RiskScore[];
}

// How each band ranks among vigil's severities: NEWS2 high calls for an emergency response (RCP
// 2017 chart 2), so it ranks with urgent findings; the Charlson index alone ranks nothing.
const SEVERITY_OF: Record<string, Record<string, string>> = {
  news2: { high: 'urgent', medium: 'high', 'low-medium': 'moderate', low: 'info' },
  lace: { high: 'high', moderate: 'moderate', low: 'info' },
};
const SEVERITY_RANK = ['urgent', 'high', 'moderate', 'info'];

function severityOf(scores: readonly RiskScore[]): string {
  const found = scores.map((s) => SEVERITY_OF[s.score_id]?.[s.band ?? s.band_at_least ?? ''] ?? 'info');
  return found.sort((a, b) => SEVERITY_RANK.indexOf(a) - SEVERITY_RANK.indexOf(b))[0] ?? 'info';
}

export type RiskAssessmentProcessor = (event: ClinicalEvent, history: PatientHistory) => Decision;

const ICD10 = new Set<string>([SYSTEM.icd10cm, 'http://hl7.org/fhir/sid/icd-10']);

export function riskAssessmentProcessor(options: RiskAssessmentOptions = {}): RiskAssessmentProcessor {
  const topic = options.topic ?? DEFAULT_RISK_SCORES_TOPIC;
  const news2 = options.news2 ?? loadNews2Table();
  const charlson = options.charlson ?? loadCharlsonTable();
  const lace = options.lace ?? loadLaceTable();

  return (event, history) => {
    const type = event.event_type;
    if (type !== 'admission' && type !== 'transfer' && type !== 'discharge') return {};
    const payload = event.payload as Partial<AdtPayload>;
    const codes = icd10Codes([...(payload.diagnoses ?? []), ...history.diagnoses]);

    const scores: RiskScore[] = [];
    if (type === 'discharge') {
      const current = history.encounters?.find((e) => e.encounterId === event.encounter_id);
      // LACE is derived for hospital stays: an ED visit or clinic encounter that ends gets none.
      const cls = payload.encounter?.class ?? current?.class;
      if (cls !== undefined && cls !== 'inpatient') return {};
      const admitTime = payload.encounter?.admitTime ?? current?.admitTime;
      const admissionType = payload.encounter?.admissionType ?? current?.admissionType;
      scores.push(
        laceScore(
          {
            encounterId: event.encounter_id,
            ...(admitTime ? { admitTime } : {}),
            dischargeTime: payload.encounter?.dischargeTime ?? event.event_timestamp,
            ...(admissionType ? { admissionType } : {}),
            icd10Codes: codes,
            encounters: history.encounters ?? [],
          },
          lace,
          charlson,
        ),
      );
    } else {
      // The event's own observations (if its sender charted vitals with it) count with the timeline's.
      const own = (payload.observations ?? []).map((o): SourcedObservation => ({ ...o, observedAt: o.observedAt ?? event.event_timestamp, eventId: event.event_id }));
      const observations: SourcedObservation[] = [...own, ...history.observations];
      scores.push(scoreNews2(readNews2(observations, event.event_timestamp, news2), spo2Scale(codes, news2), news2));
      scores.push(charlsonScore(codes, charlson));
    }

    const assessment: RiskAssessment = {
      kind: 'risk_assessment',
      assessment_id: assessmentId(event.event_id),
      patient_id: event.patient_id,
      encounter_id: event.encounter_id,
      source_event_id: event.event_id,
      trigger: type,
      at: event.event_timestamp,
      severity: severityOf(scores),
      scores,
    };
    const value = assessment as unknown as JsonObject;
    return { outputs: [{ topic, key: event.patient_id, value }], writes: [value] };
  };
}

/** Deterministic: a replay of the event gives the same id. */
export function assessmentId(eventId: string): string {
  return `risk-${createHash('sha256').update(eventId).digest('hex').slice(0, 32)}`;
}

/** Distinct ICD-10 codes of the diagnoses, in the order first seen. */
function icd10Codes(diagnoses: readonly Diagnosis[]): string[] {
  const codes: string[] = [];
  for (const d of diagnoses) if (ICD10.has(d.code.system) && !codes.includes(d.code.code)) codes.push(d.code.code);
  return codes;
}
