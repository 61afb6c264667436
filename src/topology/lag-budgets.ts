// How far behind (in seconds: the age of its oldest unprocessed record) each consumer group of the
// topology may fall before someone is alerted. Data beside the topology: the alert rules are
// generated from it (src/observe/alert-rules.ts), and every consumer group must have an entry.

export type AlertSeverity = 'critical' | 'warning';

export interface LagBudget {
  /** Oldest unprocessed record older than this (seconds) breaks the budget. */
  seconds: number;
  /** How long the budget must stay broken before the alert fires (Prometheus duration). */
  for: string;
  severity: AlertSeverity;
  /** Why this budget: shown in the alert's description. */
  reason: string;
}

export const lagBudgets: Record<string, LagBudget> = {
  'ai-critical-value-alert': {
    seconds: 60,
    for: '1m',
    severity: 'critical',
    reason: 'a critical lab value must reach a clinician within minutes',
  },
  'patient-timeline': {
    seconds: 60,
    for: '2m',
    severity: 'critical',
    reason: 'every AI consumer reads patient history from it and decides on partial history after 15 s',
  },
  'ai-drug-interaction-check': {
    seconds: 120,
    for: '2m',
    severity: 'critical',
    reason: 'interaction findings must arrive before the medication is verified and given',
  },
  'ai-risk-assessment': {
    seconds: 300,
    for: '5m',
    severity: 'warning',
    reason: 'admission risk scores guide early ward decisions',
  },
  'ai-result-interpretation': {
    seconds: 900,
    for: '5m',
    severity: 'warning',
    reason: 'interpretations accompany results clinicians are reading now',
  },
  'ai-discharge-summary': {
    seconds: 1800,
    for: '10m',
    severity: 'warning',
    reason: 'the summary should be ready while the patient is leaving',
  },
  'ai-prior-authorization': {
    seconds: 1800,
    for: '10m',
    severity: 'warning',
    reason: 'prior-authorization packets gate scheduling, not bedside care',
  },
  'ai-care-gap-detection': {
    seconds: 3600,
    for: '15m',
    severity: 'warning',
    reason: 'care gaps are worked through during the stay, not by the minute',
  },
};
