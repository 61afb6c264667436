// One encounter as the patient timeline holds it, for the discharge summary: its facts, diagnoses,
// results, orders, medications, and what the other AI consumers said about its events.
import type { JsonObject } from '../event/envelope.ts';
import type { Location, Observation } from '../event/payloads.ts';
import type { AiOutput, EncounterRecord } from '../processors/encounter-record.ts';
import type { Sql } from './db.ts';

/** The consumer group whose outputs are the patient's care gaps. */
export const CARE_GAP_PROCESSOR = 'ai-care-gap-detection';

const iso = (v: unknown): string => new Date(v as string).toISOString();
const opt = <K extends string, V>(key: K, v: V | null | undefined) => (v === null || v === undefined ? {} : ({ [key]: v } as Record<K, V>));

export interface EncounterRecordOptions {
  /** This processor's own outputs are left out of the AI outputs. */
  processor: string;
  /** Care gaps are read up to this instant (the discharge). */
  at: string;
}

export async function loadEncounterRecord(db: Sql, patientId: string, encounterId: string, opts: EncounterRecordOptions): Promise<Omit<EncounterRecord, 'complete'>> {
  const [enc] = await db.query<{ class: string | null; admission_type: string | null; admit_time: string | null; discharge_time: string | null }>(
    'SELECT class, admission_type, admit_time, discharge_time FROM encounters WHERE encounter_id = $1 AND patient_id = $2',
    [encounterId, patientId],
  );
  const locations = await db.query<{ location: Location; since: string }>(
    'SELECT location, since FROM encounter_locations WHERE encounter_id = $1 ORDER BY since, event_id',
    [encounterId],
  );
  const diagnoses = await db.query<{ event_id: string; system: string; code: string; display: string | null; type: string | null; recorded_at: string }>(
    'SELECT event_id, system, code, display, type, recorded_at FROM diagnoses WHERE patient_id = $1 AND encounter_id = $2 ORDER BY recorded_at, event_id, system, code',
    [patientId, encounterId],
  );
  const observations = await db.query<{ event_id: string; observation: Observation; observed_at: string; placer_number: string | null }>(
    'SELECT event_id, observation, observed_at, placer_number FROM observations WHERE patient_id = $1 AND encounter_id = $2 ORDER BY observed_at, event_id, seq',
    [patientId, encounterId],
  );
  const orders = await db.query<{ event_id: string; placer_number: string | null; control: string; system: string | null; code: string | null; display: string | null; ordered_at: string }>(
    'SELECT event_id, placer_number, control, system, code, display, ordered_at FROM orders WHERE patient_id = $1 AND encounter_id = $2 ORDER BY ordered_at, event_id',
    [patientId, encounterId],
  );
  const medications = await db.query<{ event_id: string; placer_number: string | null; system: string; code: string; display: string | null; started_at: string; ended_at: string | null }>(
    'SELECT event_id, placer_number, system, code, display, started_at, ended_at FROM medications WHERE patient_id = $1 AND encounter_id = $2 ORDER BY started_at, event_id',
    [patientId, encounterId],
  );
  // Outputs are tied to the event that raised them; the timeline knows each event's encounter.
  const outputs = await db.query<{ processor: string; output_id: string; rule_id: string; at: string; record: JsonObject }>(
    `SELECT o.processor, o.output_id, o.rule_id, o.at, o.record FROM ai_outputs o JOIN timeline_events e ON e.event_id = o.event_id
     WHERE o.patient_id = $1 AND e.encounter_id = $2 AND o.processor <> $3 AND o.processor <> $4 AND o.rule_id NOT LIKE 'note:%'
     ORDER BY o.at, o.processor, o.output_id`,
    [patientId, encounterId, opts.processor, CARE_GAP_PROCESSOR],
  );
  const careGaps = await db.query<{ processor: string; output_id: string; rule_id: string; at: string; record: JsonObject }>(
    `SELECT processor, output_id, rule_id, at, record FROM ai_outputs WHERE processor = $1 AND patient_id = $2 AND at <= $3 ORDER BY at, output_id`,
    [CARE_GAP_PROCESSOR, patientId, opts.at],
  );
  const aiOutput = (o: (typeof outputs)[number]): AiOutput => ({ processor: o.processor, outputId: o.output_id, ruleId: o.rule_id, at: iso(o.at), record: o.record });

  return {
    patientId,
    encounterId,
    encounter: {
      ...opt('class', enc?.class),
      ...opt('admissionType', enc?.admission_type),
      ...opt('admitTime', enc?.admit_time ? iso(enc.admit_time) : null),
      ...opt('dischargeTime', enc?.discharge_time ? iso(enc.discharge_time) : null),
      locations: locations.map((l) => ({ location: l.location, since: iso(l.since) })),
    },
    diagnoses: diagnoses.map((d) => ({
      eventId: d.event_id,
      code: { system: d.system, code: d.code, ...opt('display', d.display) },
      ...opt('type', d.type),
      recordedAt: iso(d.recorded_at),
    })),
    observations: observations.map((o) => ({
      ...o.observation,
      observedAt: o.observation.observedAt ?? iso(o.observed_at),
      eventId: o.event_id,
      encounterId,
      ...opt('placerNumber', o.placer_number),
    })),
    orders: orders.map((o) => ({
      eventId: o.event_id,
      ...opt('placerNumber', o.placer_number),
      control: o.control,
      ...(o.system && o.code ? { code: { system: o.system, code: o.code, ...opt('display', o.display) } } : {}),
      orderedAt: iso(o.ordered_at),
    })),
    medications: medications.map((m) => ({
      eventId: m.event_id,
      ...opt('placerNumber', m.placer_number),
      medication: { system: m.system, code: m.code, ...opt('display', m.display) },
      start: iso(m.started_at),
      ...opt('end', m.ended_at ? iso(m.ended_at) : null),
    })),
    aiOutputs: outputs.map(aiOutput),
    careGaps: careGaps.map(aiOutput),
  };
}
