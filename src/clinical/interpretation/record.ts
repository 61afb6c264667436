// The interpretation record: what goes to the interpretations topic and the store. It names the
// patient's values, so it is PHI, protected like payloads: written to the topic and store only,
// never logged.
import { createHash } from 'node:crypto';
import type { Coding } from '../../event/payloads.ts';
import type { Facts, FindingFacts, ValueUsed } from './facts.ts';
import { clinicianText } from './phrase-clinician.ts';
import { plainText } from './phrase-plain.ts';
import type { RuleRef, Severity } from './rules.ts';

export interface InterpretationFinding {
  rule: RuleRef;
  severity: Severity;
  codes: Coding[];
  values: ValueUsed[];
  /** The structured facts both explanations were phrased from. */
  facts: Facts;
  explanation_clinician: string;
  explanation_plain: string;
}

/** Who wrote the two explanations: the deterministic phrasers, or an LLM grounded on the same facts. */
export type InterpretationMethod = 'deterministic' | 'llm';

export interface InterpretationRecord {
  interpretation_id: string;
  patient_id: string;
  encounter_id: string | null;
  source_event_id: string;
  /** Event time. */
  at: string;
  findings: InterpretationFinding[];
  method: InterpretationMethod;
  /** The LLM model id, whenever one was configured (also when it failed and method is deterministic). */
  model?: string;
  /** Set when the LLM was asked and failed (a failure class such as timeout): the text is the deterministic one. */
  llm_failure?: string;
  rules_version: string;
}

/** Deterministic: one interpretation per event, so a replay upserts the same row. */
export function interpretationId(eventId: string): string {
  return createHash('sha256').update(`interpretation\n${eventId}`).digest('hex').slice(0, 32);
}

/**
 * The deterministic phrasing of findings: the one step an LLM path would replace, given the same
 * facts (and then recording its own method). Judging stays in the rules either way.
 */
export function phraseDeterministic(findings: readonly FindingFacts[]): InterpretationFinding[] {
  return findings.map(({ rule, severity, codes, values, facts }) => ({
    rule: { id: rule.id, version: rule.version, source: rule.source },
    severity,
    codes,
    values,
    facts,
    explanation_clinician: clinicianText(facts),
    explanation_plain: plainText(facts),
  }));
}
