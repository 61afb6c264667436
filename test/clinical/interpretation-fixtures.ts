// Events, histories and shortcuts for the interpretation tests: observations and timed earlier
// results come from the critical-value fixtures; this adds the patient (sex, age, diagnoses) and a
// runner that returns findings.
import type { Diagnosis, Observation } from '../../src/event/payloads.ts';
import { interpretResults } from '../../src/clinical/interpretation/interpret.ts';
import { loadInterpretationRules } from '../../src/clinical/interpretation/load-rules.ts';
import type { FindingFacts } from '../../src/clinical/interpretation/facts.ts';
import { emptyHistory, type PastObservation, type PatientHistory } from '../../src/processors/history.ts';
import { hoursFrom, obs, past, T0 } from './critical-fixtures.ts';

export { hoursFrom, obs, past, T0 };

export const rules = loadInterpretationRules();

export interface Patient {
  sex?: PatientHistory['sex'];
  age?: number;
  diagnoses?: Diagnosis[];
  observations?: PastObservation[];
}

export function patient(p: Patient = {}): PatientHistory {
  return {
    ...emptyHistory('pat-1'),
    ...(p.sex ? { sex: p.sex } : {}),
    ...(p.age !== undefined ? { age: p.age } : {}),
    diagnoses: p.diagnoses ?? [],
    observations: p.observations ?? [],
  };
}

/** An earlier result, `hours` before T0, in its own event. */
export function earlier(code: string, value: number | string, units: string, hours: number, more: Partial<Observation> = {}): PastObservation {
  return past(obs(code, value, units, more), `evt-${code}-${hours}h`, hoursFrom(T0, -hours));
}

/** The findings for a report at T0. */
export function interpret(observations: Observation[], history: PatientHistory = patient()): FindingFacts[] {
  return interpretResults({ eventId: 'evt-1', eventTime: T0, observations, history }, rules);
}

export function only(findings: FindingFacts[], ruleId: string): FindingFacts | undefined {
  const hits = findings.filter((f) => f.rule.id === ruleId);
  if (hits.length > 1) throw new Error(`${hits.length} findings of ${ruleId}`);
  return hits[0];
}
