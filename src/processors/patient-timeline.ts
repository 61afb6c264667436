// The patient-timeline projection: each input event becomes rows of the timeline (encounters with
// their class and locations, diagnoses, results, orders, medications started and stopped,
// coverage). Pure: the rows are the decision's writes; the store applies them once per event.
import type { ClinicalEvent, JsonObject } from '../event/envelope.ts';
import type { AdtPayload, LabResultPayload, MedicationOrderPayload, Observation, OrderPayload } from '../event/payloads.ts';
import type { Decision } from '../runtime/worker.ts';

export const TIMELINE_GROUP = 'patient-timeline';

/** Order controls that end a medication (HL7 ORC-1: cancel, discontinue). */
const ENDING_CONTROLS = new Set(['CA', 'DC', 'OD']);

export function projectEvent(event: ClinicalEvent): Decision {
  // Not a clinical fact: the care-gap sweeper's tick.
  if (event.event_type === 'care_gap_due') return {};
  const base = { patient_id: event.patient_id, encounter_id: event.encounter_id, event_id: event.event_id };
  const at = event.event_timestamp;
  const writes: JsonObject[] = [{ op: 'event', ...base, event_type: event.event_type, at }];

  switch (event.event_type) {
    case 'admission':
    case 'transfer':
    case 'discharge':
    case 'registration_update': {
      const p = event.payload as unknown as AdtPayload;
      const enc = p.encounter;
      const birthDate = calendarDate(p.patient?.birthDate);
      writes.push({ op: 'patient', ...base, birth_date: birthDate, sex: p.patient?.sex ?? null, at });
      if (event.encounter_id) {
        writes.push({
          op: 'encounter',
          ...base,
          class: enc?.class ?? null,
          status: event.event_type === 'discharge' ? 'discharged' : 'active',
          admit_time: enc?.admitTime ?? (event.event_type === 'admission' ? at : null),
          discharge_time: event.event_type === 'discharge' ? (enc?.dischargeTime ?? at) : null,
          admission_type: enc?.admissionType ?? null,
          at,
        });
        if (enc?.location) writes.push({ op: 'location', ...base, location: enc.location as JsonObject, at });
        if (event.event_type === 'discharge') writes.push({ op: 'medications_end_encounter', ...base, at: enc?.dischargeTime ?? at });
      }
      (p.diagnoses ?? []).forEach((d) =>
        writes.push({ op: 'diagnosis', ...base, system: d.code.system, code: d.code.code, display: d.code.display ?? null, type: d.type ?? null, at: d.recordedAt ?? at }),
      );
      (p.coverage ?? []).forEach((c, seq) => writes.push({ op: 'coverage', ...base, seq, coverage: c as JsonObject, at }));
      // Vitals charted with the ADT message join the patient's observations, timed by the event when the OBX gives no time.
      (p.observations ?? []).forEach((o, seq) => writes.push(observationRow(base, seq, { ...o, observedAt: o.observedAt ?? at }, at, null)));
      break;
    }
    case 'lab_result': {
      const p = event.payload as unknown as LabResultPayload;
      (p.observations ?? []).forEach((o, seq) => writes.push(observationRow(base, seq, o, o.observedAt ?? p.resultTime ?? at, p.order?.placerNumber ?? null)));
      break;
    }
    case 'order': {
      const p = event.payload as unknown as OrderPayload;
      writes.push({ op: 'order', ...base, placer_number: p.order.placerNumber ?? null, control: p.order.control, system: p.order.code?.system ?? null, code: p.order.code?.code ?? null, display: p.order.code?.display ?? null, at: p.order.orderedAt ?? at });
      (p.diagnoses ?? []).forEach((d) =>
        writes.push({ op: 'diagnosis', ...base, system: d.code.system, code: d.code.code, display: d.code.display ?? null, type: d.type ?? null, at: d.recordedAt ?? at }),
      );
      (p.coverage ?? []).forEach((c, seq) => writes.push({ op: 'coverage', ...base, seq, coverage: c as JsonObject, at }));
      break;
    }
    case 'medication_order': {
      const p = event.payload as unknown as MedicationOrderPayload;
      if (ENDING_CONTROLS.has(p.order.control)) {
        writes.push({ op: 'medication_end', ...base, placer_number: p.order.placerNumber ?? null, system: p.medication.system, code: p.medication.code, at: p.end ?? at });
      } else {
        writes.push({
          op: 'medication',
          ...base,
          placer_number: p.order.placerNumber ?? null,
          system: p.medication.system,
          code: p.medication.code,
          display: p.medication.display ?? null,
          at: p.start ?? p.order.orderedAt ?? at,
          ended_at: p.end ?? null,
        });
      }
      break;
    }
  }
  return { writes };
}

function observationRow(base: JsonObject, seq: number, o: Observation, at: string, placer: string | null): JsonObject {
  return {
    op: 'observation',
    ...base,
    seq,
    system: o.code.system,
    code: o.code.code,
    observation: o as unknown as JsonObject,
    value_num: typeof o.value === 'number' ? o.value : null,
    at,
    placer_number: placer,
  };
}

/** YYYY-MM-DD when the value starts with a real calendar date, else null (never guessed). */
function calendarDate(value: string | undefined): string | null {
  const day = /^\d{4}-\d{2}-\d{2}/.exec(value ?? '')?.[0];
  if (!day) return null;
  const parsed = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(day) ? day : null;
}
