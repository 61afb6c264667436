// The deterministic discharge summary: a FHIR R4 Composition (LOINC 18842-5) built from the
// encounter as the timeline holds it. Each section is coded with its LOINC section code (see
// clinical/discharge-summary.json); diagnoses, results, medications and procedures are contained
// resources the sections reference, so a reader gets structure as well as narrative. The subject
// and encounter are the pseudonymous ids of the envelope, never an MRN. Pure and repeatable: the
// same event and record give the same document (and the same id).
import { createHash } from 'node:crypto';
import type { CodeableConcept, Composition, CompositionSection, Condition, Encounter, MedicationStatement, Observation, Patient, Reference, Resource, ServiceRequest } from '@medplum/fhirtypes';
import type { ClinicalEvent } from '../../event/envelope.ts';
import type { AdtPayload, Coding, Diagnosis } from '../../event/payloads.ts';
import type { EncounterObservation, EncounterRecord } from '../../processors/encounter-record.ts';
import { openCareGaps, outputLine } from './ai-outputs.ts';
import type { DischargeLayout, SectionKey } from './layout.ts';
import { medicationCourses } from './medication-course.ts';
import { codeText, narrative, when } from './narrative.ts';

/** The consumer group whose alerts mark a result critical. */
const CRITICAL_ALERT_PROCESSOR = 'ai-critical-value-alert';
const CRITICAL_FLAGS = new Set(['LL', 'HH', 'AA']);
const INTERPRETATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const INTERPRETATION_CODES = new Set(['L', 'H', 'LL', 'HH', 'A', 'AA', 'N']);
/** HL7 ORC-1 controls that cancel or end an order. */
const CANCELLING = new Set(['CA', 'DC', 'OD', 'OC']);
/** HL7 table 0052 (diagnosis type). */
const DIAGNOSIS_TYPES: Record<string, string> = { A: 'admitting', W: 'working', F: 'final' };
/** HL7 table 0007 (admission type). */
const ADMISSION_TYPES: Record<string, string> = { A: 'accident', C: 'elective', E: 'emergency', L: 'labor and delivery', N: 'newborn', R: 'routine', U: 'urgent' };
/** HL7 table 0085 (observation result status) to FHIR Observation.status. */
const RESULT_STATUS: Record<string, Observation['status']> = {
  F: 'final', U: 'final', C: 'corrected', P: 'preliminary', R: 'preliminary', S: 'preliminary', I: 'registered', X: 'cancelled', W: 'entered-in-error', D: 'entered-in-error',
};
const FHIR_RESULT_STATUS = new Set<string>(['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown']);

export const PARTIAL_HISTORY_TAG = { system: 'urn:vigil:tag', code: 'history-partial', display: 'Made before the patient timeline had every event of the encounter' };

/** Deterministic: one summary per discharge event, so a replay upserts the same document. */
export function summaryId(eventId: string): string {
  return createHash('sha256').update(`discharge-summary\n${eventId}`).digest('hex').slice(0, 32);
}

const concept = (c: Coding): CodeableConcept => ({ coding: [{ system: c.system, code: c.code, ...(c.display ? { display: c.display } : {}) }], ...(c.display ? { text: c.display } : {}) });
const codingKey = (c: Coding) => `${c.system}|${c.code}`;
const local = (id: string): Reference => ({ reference: `#${id}` });

interface SectionContent {
  lines: string[];
  entries: Reference[];
  none: string;
}

/** A section as plain lines: what an LLM narrative is grounded on. */
export interface OutlineSection {
  key: SectionKey;
  title: string;
  lines: string[];
}

export interface SummaryFacts {
  composition: Composition;
  /** The sections' lines in document order (patient data: never log them). */
  outline: OutlineSection[];
}

export function buildDischargeSummary(event: ClinicalEvent, record: EncounterRecord, layout: DischargeLayout): SummaryFacts {
  const payload = event.payload as unknown as Partial<AdtPayload>;
  const id = summaryId(event.event_id);
  const dischargeTime = payload.encounter?.dischargeTime ?? record.encounter.dischargeTime ?? event.event_timestamp;
  const admitTime = record.encounter.admitTime ?? payload.encounter?.admitTime;
  const subject: Reference<Patient> = { reference: `Patient/${event.patient_id}` };
  const encounter: Reference<Encounter> = { reference: `Encounter/${record.encounterId}` };
  const contained: Resource[] = [];
  const content = (none: string): SectionContent => ({ lines: [], entries: [], none });
  const sections: Record<SectionKey, SectionContent> = {
    admission: content('No admission diagnosis recorded.'),
    diagnoses: content('No diagnosis recorded for this encounter.'),
    results: content('No results during this encounter.'),
    medications: content('No medication ordered during this encounter.'),
    procedures: content('No procedure ordered during this encounter.'),
    alerts: content('No alert or risk score raised during this encounter.'),
    'care-gaps': content('No open care gap.'),
    'follow-up': content('No follow-up item found.'),
  };

  // Diagnoses: the timeline's, and the discharge's own (final) diagnoses, once per code.
  const diagnoses = new Map<string, { dx: Diagnosis; types: Set<string>; id: string }>();
  for (const dx of [...record.diagnoses, ...(payload.diagnoses ?? [])]) {
    const key = codingKey(dx.code);
    const known = diagnoses.get(key);
    if (known) {
      if (dx.type) known.types.add(dx.type);
      continue;
    }
    const entry = { dx, types: new Set(dx.type ? [dx.type] : []), id: `dx-${diagnoses.size + 1}` };
    diagnoses.set(key, entry);
    const condition: Condition = {
      resourceType: 'Condition',
      id: entry.id,
      subject,
      encounter,
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis' }] }],
      code: concept(dx.code),
      ...(dx.recordedAt ? { recordedDate: dx.recordedAt } : {}),
    };
    contained.push(condition);
  }
  for (const { dx, types, id: dxId } of diagnoses.values()) {
    const kinds = [...types].map((t) => DIAGNOSIS_TYPES[t] ?? t);
    sections.diagnoses.lines.push(`${codeText(dx.code)}${kinds.length ? `: ${kinds.join(', ')}` : ''}${dx.recordedAt ? `; recorded ${when(dx.recordedAt)}` : ''}`);
    sections.diagnoses.entries.push(local(dxId));
  }

  // Reason for admission: the admitting diagnoses, else the first diagnosis recorded.
  const klass = record.encounter.class ?? payload.encounter?.class;
  const admissionType = record.encounter.admissionType ?? payload.encounter?.admissionType;
  const stay = [
    klass ? `${klass[0]?.toUpperCase()}${klass.slice(1)} encounter` : 'Encounter',
    admissionType ? `admission type ${ADMISSION_TYPES[admissionType] ?? admissionType}` : undefined,
    admitTime ? `admitted ${when(admitTime)}` : undefined,
    `discharged ${when(dischargeTime)}`,
  ].filter((p) => p !== undefined);
  sections.admission.lines.push(stay.join(', '));
  const all = [...diagnoses.values()];
  const admitting = all.filter((d) => d.types.has('A'));
  const reasons = admitting.length > 0 ? admitting : all.slice(0, 1);
  for (const r of reasons) {
    sections.admission.lines.push(`${admitting.length > 0 ? 'Admitting diagnosis' : 'First diagnosis recorded'}: ${codeText(r.dx.code)}`);
    sections.admission.entries.push(local(r.id));
  }

  // Results: critical first, then abnormal, then the rest; each in time order, each once.
  const criticalAlerts = record.aiOutputs.filter((o) => o.processor === CRITICAL_ALERT_PROCESSOR);
  const isCritical = (o: EncounterObservation) =>
    o.abnormalFlags.some((f) => CRITICAL_FLAGS.has(f)) ||
    criticalAlerts.some((a) => a.record.source_event_id === o.eventId && ((a.record.observation as { code?: Coding } | undefined)?.code?.code ?? '') === o.code.code);
  const rank = (o: EncounterObservation) => (isCritical(o) ? 0 : o.abnormalFlags.some((f) => f !== 'N') ? 1 : 2);
  const results = record.observations.map((o, i) => ({ o, i, rank: rank(o) })).sort((a, b) => a.rank - b.rank || a.i - b.i);
  for (const { o, i, rank: r } of results) {
    const obsId = `obs-${i + 1}`;
    contained.push(observationResource(o, obsId, subject, encounter, r === 0));
    sections.results.lines.push(resultLine(o, r === 0));
    sections.results.entries.push(local(obsId));
  }

  // Medications: started, changed, stopped during the stay.
  const courses = medicationCourses(record.medications, dischargeTime);
  courses.forEach((c, i) => {
    const medId = `med-${i + 1}`;
    const last = c.orders[c.orders.length - 1];
    const statement: MedicationStatement = {
      resourceType: 'MedicationStatement',
      id: medId,
      status: c.activeAtDischarge ? 'active' : 'stopped',
      statusReason: [{ text: `${c.change} during the stay` }],
      medicationCodeableConcept: concept(c.medication),
      subject,
      context: encounter,
      effectivePeriod: { start: c.firstStart, ...(c.stoppedAt ? { end: c.stoppedAt } : {}) },
    };
    contained.push(statement);
    const detail =
      c.change === 'stopped'
        ? `started ${when(c.firstStart)}, stopped ${c.stoppedAt ? when(c.stoppedAt) : 'during the stay'}`
        : c.change === 'changed'
          ? `first ordered ${when(c.firstStart)}, ordered again ${when(last?.start ?? c.firstStart)} (${c.orders.length} orders); continue at discharge`
          : `started ${when(c.firstStart)}; continue at discharge`;
    sections.medications.lines.push(`${c.change[0]?.toUpperCase()}${c.change.slice(1)}: ${codeText(c.medication)}, ${detail}`);
    sections.medications.entries.push(local(medId));
  });

  // Orders: which were cancelled, and which have a result; procedures are listed as such.
  const cancelled = new Set(record.orders.filter((o) => CANCELLING.has(o.control) && o.placerNumber).map((o) => o.placerNumber as string));
  const answered = new Set(record.observations.flatMap((o) => (o.placerNumber ? [o.placerNumber] : [])));
  const placed = record.orders.filter((o) => !CANCELLING.has(o.control) && o.code);
  const pending: string[] = [];
  placed.forEach((o, i) => {
    const isCancelled = o.placerNumber !== undefined && cancelled.has(o.placerNumber);
    const hasResult = o.placerNumber !== undefined && answered.has(o.placerNumber);
    const code = o.code as Coding;
    if (!isCancelled && !hasResult) pending.push(`Result pending at discharge: ${codeText(code)}, ordered ${when(o.orderedAt)}`);
    if (!layout.procedureCodeSystems.includes(code.system)) return;
    const procId = `proc-${i + 1}`;
    const request: ServiceRequest = {
      resourceType: 'ServiceRequest',
      id: procId,
      status: isCancelled ? 'revoked' : hasResult ? 'completed' : 'active',
      intent: 'order',
      code: concept(code),
      subject,
      encounter,
      authoredOn: o.orderedAt,
    };
    contained.push(request);
    sections.procedures.lines.push(`${codeText(code)}, ordered ${when(o.orderedAt)}: ${isCancelled ? 'cancelled' : hasResult ? 'result received' : 'no result by discharge'}`);
    sections.procedures.entries.push(local(procId));
  });

  // What the other AI consumers raised, and the patient's care gaps still open.
  sections.alerts.lines.push(...record.aiOutputs.map(outputLine));
  const gaps = openCareGaps(record.careGaps);
  sections['care-gaps'].lines.push(...gaps.map(outputLine));

  // Follow-up: what the next clinician has to pick up.
  const follow = sections['follow-up'].lines;
  if (!record.complete) follow.push('This summary was made before every event of the encounter had reached the patient timeline: check it against the record.');
  if (payload.encounter?.dischargeDisposition) follow.push(`Discharge disposition (HL7 table 0112): ${payload.encounter.dischargeDisposition}`);
  follow.push(...pending);
  for (const { o } of results.filter((r) => r.rank === 0)) follow.push(`Critical result during the stay, review: ${resultLine(o, true)}`);
  const changes = courses.filter((c) => c.change !== 'started');
  if (changes.length > 0) follow.push(`Medication reconciliation: ${changes.map((c) => `${codeText(c.medication)} ${c.change}`).join('; ')}`);
  for (const g of gaps) follow.push(`Open care gap to address: ${outputLine(g)}`);

  const section: CompositionSection[] = layout.sections.map((s) => {
    const c = sections[s.key];
    return {
      title: s.title,
      code: { coding: [{ system: 'http://loinc.org', code: s.code, display: s.display }] },
      text: { status: 'generated', div: narrative(c.lines, c.none) },
      ...(c.entries.length > 0 ? { entry: c.entries } : { emptyReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason', code: 'nilknown' }] } }),
    };
  });

  const composition: Composition = {
    resourceType: 'Composition',
    id,
    ...(record.complete ? {} : { meta: { tag: [PARTIAL_HISTORY_TAG] } }),
    identifier: { system: 'urn:vigil:ai-discharge-summary', value: id },
    // Preliminary: made by software, to be read and attested by a clinician.
    status: 'preliminary',
    type: { coding: [layout.document], text: layout.document.display },
    subject,
    encounter,
    date: dischargeTime,
    author: [{ display: `vigil ai-discharge-summary (${layout.name} revision ${layout.revision})` }],
    title: 'Discharge summary',
    ...(admitTime ? { event: [{ period: { start: admitTime, end: dischargeTime } }] } : {}),
    contained,
    section,
  };
  return { composition, outline: layout.sections.map((s) => ({ key: s.key, title: s.title, lines: sections[s.key].lines })) };
}

function referenceText(o: EncounterObservation): string | undefined {
  const r = o.referenceRange;
  if (!r) return undefined;
  if (r.text) return r.text;
  if (r.low !== undefined && r.high !== undefined) return `${r.low}-${r.high}`;
  if (r.low !== undefined) return `>=${r.low}`;
  if (r.high !== undefined) return `<=${r.high}`;
  return undefined;
}

/** "Potassium (LOINC 2823-3): 6.9 mmol/L, flags HH, critical; reference 3.5-5.1; 2026-11-26 09:00 UTC, status F". */
function resultLine(o: EncounterObservation, critical: boolean): string {
  const value = o.value === null ? 'no value' : `${o.value}${o.units ? ` ${o.units}` : ''}`;
  const flags = o.abnormalFlags.filter((f) => f !== 'N');
  const marks = [flags.length ? `flags ${flags.join(' ')}` : undefined, critical ? 'critical' : undefined].filter((m) => m !== undefined);
  const ref = referenceText(o);
  return `${codeText(o.code)}: ${value}${marks.length ? `, ${marks.join(', ')}` : ''}${ref ? `; reference ${ref}` : ''}; ${o.observedAt ? when(o.observedAt) : 'time not given'}, status ${o.status}`;
}

function observationResource(o: EncounterObservation, id: string, subject: Reference<Patient>, encounter: Reference<Encounter>, critical: boolean): Observation {
  const status = FHIR_RESULT_STATUS.has(o.status) ? (o.status as Observation['status']) : (RESULT_STATUS[o.status] ?? 'unknown');
  const value =
    typeof o.value === 'number'
      ? { valueQuantity: { value: o.value, ...(o.units ? { unit: o.units } : {}) } }
      : typeof o.value === 'string'
        ? { valueString: o.value }
        : {};
  const interpretation: CodeableConcept[] = o.abnormalFlags.map((f) =>
    INTERPRETATION_CODES.has(f) ? { coding: [{ system: INTERPRETATION_SYSTEM, code: f }] } : { text: f },
  );
  if (critical && !o.abnormalFlags.some((f) => CRITICAL_FLAGS.has(f))) interpretation.push({ text: 'critical (vigil ai-critical-value-alert)' });
  const r = o.referenceRange;
  return {
    resourceType: 'Observation',
    id,
    status,
    code: concept(o.code),
    subject,
    encounter,
    ...(o.observedAt ? { effectiveDateTime: o.observedAt } : {}),
    ...value,
    ...(interpretation.length ? { interpretation } : {}),
    ...(r && (r.low !== undefined || r.high !== undefined || r.text)
      ? {
          referenceRange: [
            {
              ...(r.low !== undefined ? { low: { value: r.low, ...(o.units ? { unit: o.units } : {}) } } : {}),
              ...(r.high !== undefined ? { high: { value: r.high, ...(o.units ? { unit: o.units } : {}) } } : {}),
              ...(r.text ? { text: r.text } : {}),
            },
          ],
        }
      : {}),
  };
}
