// The whole topology in one place: which events go where, keyed by what, kept how long,
// read by whom. Everything else (provisioning, routing, ACLs, alert rules) is derived from it.
import type { ClinicalEvent, EventType } from '../event/envelope.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The envelope field whose value is the record key (and so decides the partition). */
export type KeyField = 'patient_id' | 'encounter_id' | 'event_type' | 'actor';

/** The record key of an event on this topic: the envelope field the topology names. */
export function eventKeyOn(topic: TopicSpec, event: ClinicalEvent): string | undefined {
  // `actor` keys audit records, which are not events.
  return topic.key === 'actor' ? undefined : (event[topic.key] ?? undefined);
}

export type TopicRole = 'input' | 'output' | 'dead-letter' | 'audit';

export interface TopicSpec {
  name: string;
  role: TopicRole;
  partitions: number;
  key: KeyField;
  retentionMs: number;
  /** Consumer groups that read this topic. */
  consumers: string[];
  /** Consumer groups whose processors write this topic (output topics). */
  producers: string[];
  /** Event types routed here by the producer (input topics only). */
  eventTypes: EventType[];
  description: string;
}

export interface Topology {
  topics: TopicSpec[];
}

// The timeline projection reads every input topic so processors can see patient history.
const TIMELINE = 'patient-timeline';

export const defaultTopology: Topology = {
  topics: [
    {
      name: 'hl7-adt-events',
      role: 'input',
      partitions: 12,
      key: 'patient_id',
      retentionMs: 7 * DAY_MS,
      consumers: ['ai-risk-assessment', 'ai-care-gap-detection', TIMELINE],
      producers: [],
      // care_gap_due: the care-gap sweeper's tick, in the patient's partition so it takes its turn.
      eventTypes: ['admission', 'transfer', 'discharge', 'registration_update', 'care_gap_due'],
      description: 'ADT: admissions, transfers, discharges, registration updates',
    },
    {
      name: 'clinical-orders',
      role: 'input',
      partitions: 24,
      key: 'encounter_id',
      retentionMs: 48 * HOUR_MS,
      consumers: ['ai-prior-authorization', 'ai-drug-interaction-check', TIMELINE],
      producers: [],
      eventTypes: ['order', 'medication_order'],
      description: 'Orders: lab, imaging and procedure orders, medication orders',
    },
    {
      name: 'lab-results',
      role: 'input',
      partitions: 12,
      key: 'patient_id',
      retentionMs: 72 * HOUR_MS,
      consumers: ['ai-critical-value-alert', 'ai-result-interpretation', 'ai-care-gap-detection', TIMELINE],
      producers: [],
      eventTypes: ['lab_result'],
      description: 'Results: lab and other observations',
    },
    {
      name: 'discharge-events',
      role: 'input',
      partitions: 6,
      key: 'encounter_id',
      retentionMs: 24 * HOUR_MS,
      consumers: ['ai-discharge-summary', TIMELINE],
      producers: [],
      eventTypes: ['discharge'],
      description: 'Discharges, for work that needs the whole encounter',
    },
    {
      name: 'ai-events-dlq',
      role: 'dead-letter',
      partitions: 1,
      key: 'event_type',
      retentionMs: 30 * DAY_MS,
      consumers: [],
      producers: [],
      eventTypes: [],
      description: 'Records that kept failing: investigated and replayed by people',
    },
    {
      name: 'vigil-audit',
      role: 'audit',
      partitions: 1,
      key: 'actor',
      // Six years: the HIPAA retention period for security documentation (45 CFR 164.316(b)(2)).
      retentionMs: 6 * 365 * DAY_MS,
      consumers: [],
      producers: [],
      eventTypes: [],
      description: 'Every access to PHI and every operator action (who, what, when, why), relayed from the audit_log table',
    },
    output('ai-risk-scores', 'ai-risk-assessment', 'NEWS2, Charlson and LACE scores'),
    output('ai-care-gaps', 'ai-care-gap-detection', 'Care gaps opened and closed'),
    output('ai-critical-alerts', 'ai-critical-value-alert', 'Critical lab value alerts'),
    output('ai-result-interpretations', 'ai-result-interpretation', 'Lab result interpretations'),
    output('ai-drug-interaction-alerts', 'ai-drug-interaction-check', 'Drug interaction findings on medication orders'),
    output('ai-prior-auth-requests', 'ai-prior-authorization', 'Prior-authorization decisions and request packets'),
    output('ai-discharge-summaries', 'ai-discharge-summary', 'Discharge summaries (FHIR Composition)'),
  ],
};

/** AI outputs: keyed by patient so downstream readers keep per-patient order too. */
function output(name: string, producer: string, description: string): TopicSpec {
  return {
    name,
    role: 'output',
    partitions: 6,
    key: 'patient_id',
    retentionMs: 7 * DAY_MS,
    consumers: [],
    producers: [producer],
    eventTypes: [],
    description,
  };
}

export interface TopicOverride {
  partitions?: number;
  retentionMs?: number;
}

/** The topology with site overrides applied (partition counts and retention are defaults). */
export function withOverrides(base: Topology, overrides: Record<string, TopicOverride>): Topology {
  for (const name of Object.keys(overrides)) {
    if (!base.topics.some((t) => t.name === name)) {
      throw new Error(`config topics.${name}: not a topic of the topology`);
    }
  }
  return {
    topics: base.topics.map((t) => ({ ...t, ...overrides[t.name] })),
  };
}

/** Input topics an event of this type is written to (a discharge goes to two). */
export function topicsForEventType(topology: Topology, type: EventType): TopicSpec[] {
  return topology.topics.filter((t) => t.eventTypes.includes(type));
}

export function auditTopic(topology: Topology): TopicSpec {
  const audit = topology.topics.find((t) => t.role === 'audit');
  if (!audit) throw new Error('topology has no audit topic');
  return audit;
}

export function deadLetterTopic(topology: Topology): TopicSpec {
  const dlq = topology.topics.find((t) => t.role === 'dead-letter');
  if (!dlq) throw new Error('topology has no dead-letter topic');
  return dlq;
}

/** The output topic a consumer group's processor writes. */
export function outputTopicOf(topology: Topology, group: string): string {
  const topic = topology.topics.find((t) => t.producers.includes(group));
  if (!topic) throw new Error(`the topology names no output topic for consumer group ${group}`);
  return topic.name;
}

/** Every consumer group named by the topology, in first-seen order. */
export function consumerGroups(topology: Topology): string[] {
  return [...new Set(topology.topics.flatMap((t) => t.consumers))];
}
