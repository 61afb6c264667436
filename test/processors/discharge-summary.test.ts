// The ai-discharge-summary processor without Kafka: a simulated stay projected into a real
// (PGlite) timeline next to another stay of the same patient and another patient's stay, read back
// as the encounter record, and summarised as a FHIR Composition.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Composition, Condition, MedicationStatement, Observation, ServiceRequest } from '@medplum/fhirtypes';
import { DischargeLayoutError, loadDischargeLayout } from '../../src/clinical/discharge/layout.ts';
import { type ClinicalEvent, validateEvent } from '../../src/event/envelope.ts';
import { SYSTEM } from '../../src/event/payloads.ts';
import { DISCHARGE_SUMMARIES_TOPIC, dischargeSummaryProcessor } from '../../src/processors/discharge-summary.ts';
import type { EncounterRecord } from '../../src/processors/encounter-record.ts';
import { projectEvent } from '../../src/processors/patient-timeline.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import { loadEncounterRecord } from '../../src/store/encounter-record.ts';
import { applyTimelineWrites, recordAiOutputs } from '../../src/store/timeline.ts';
import { containsCanary } from '../support/canary.ts';
import { simulatedStay } from '../support/encounter.ts';

const run = dischargeSummaryProcessor();
const stay = simulatedStay('a');
const P = stay.patientId;
const patient = { identifiers: [{ value: 'MRN-OTHER', type: 'MR' }] };
const source = { format: 'json' };

/** An earlier stay of the same patient, and another patient's stay at the same time: none of it may show. */
function otherEvents(): ClinicalEvent[] {
  const ev = (id: string, type: string, pid: string, enc: string, at: string, payload: Record<string, unknown>) =>
    validateEvent({ event_id: id, event_type: type, patient_id: pid, encounter_id: enc, event_timestamp: at, payload: { patient, source, ...payload } });
  const events: ClinicalEvent[] = [];
  for (const [pid, enc, at] of [[P, 'enc-earlier', '2026-10-01T08:00:00Z'], ['pt-other', 'enc-other', '2026-11-21T08:00:00Z']] as const) {
    events.push(
      ev(`${enc}-adm`, 'admission', pid, enc, at, { trigger: 'A01', encounter: { class: 'inpatient' }, diagnoses: [{ code: { system: SYSTEM.icd10cm, code: 'J18.9', display: 'Pneumonia' }, type: 'A' }], coverage: [] }),
      ev(`${enc}-hb`, 'lab_result', pid, enc, at, { order: {}, observations: [{ code: { system: SYSTEM.loinc, code: '718-7', display: 'Hemoglobin' }, value: 7.1, valueType: 'NM', units: 'g/dL', abnormalFlags: ['LL'], status: 'F', observedAt: at }] }),
      ev(`${enc}-aml`, 'medication_order', pid, enc, at, { order: { control: 'NW', placerNumber: `${enc}-rx` }, medication: { system: SYSTEM.rxnorm, code: '17767', display: 'amlodipine' }, diagnoses: [], coverage: [] }),
      ev(`${enc}-mri`, 'order', pid, enc, at, { order: { control: 'NW', placerNumber: `${enc}-mri`, code: { system: SYSTEM.cpt, code: '70551', display: 'MRI brain' }, reasons: [] }, diagnoses: [], coverage: [] }),
    );
  }
  return events;
}

const contained = <T>(c: Composition, type: string): T[] => (c.contained ?? []).filter((r) => r.resourceType === type) as T[];
const key = (cc: { coding?: { system?: string; code?: string }[] } | undefined) => `${cc?.coding?.[0]?.system}|${cc?.coding?.[0]?.code}`;
const sectionText = (c: Composition, loinc: string) => c.section?.find((s) => s.code?.coding?.[0]?.code === loinc)?.text?.div ?? '';

describe('discharge summary from the timeline', () => {
  let db: Database;
  let record: EncounterRecord;

  before(async () => {
    db = await openDatabase({});
    for (const e of [...otherEvents(), ...stay.events]) await db.transaction((tx) => applyTimelineWrites(tx, projectEvent(e).writes ?? []));
    // What other AI consumers said: a critical alert on this stay, one on the earlier stay, and care gaps.
    const bmp = stay.events.find((e) => e.event_id === 'a-bmp-res') as ClinicalEvent;
    await recordAiOutputs(db, 'ai-critical-value-alert', bmp, [
      { output_id: 'alert-k', rule_id: 'critical:potassium-high', at: bmp.event_timestamp, record: { severity: 'critical', source_event_id: bmp.event_id, observation: { code: { system: SYSTEM.loinc, code: '2823-3' } }, explanation: 'Potassium 6.9 mmol/L is above the critical limit' } },
      { output_id: 'note-k', rule_id: 'note:suppressed-repeat', at: bmp.event_timestamp, record: { note: 'suppressed-repeat' } },
    ]);
    await recordAiOutputs(db, 'ai-critical-value-alert', { event_id: 'enc-earlier-hb', patient_id: P }, [
      { output_id: 'alert-hb', rule_id: 'critical:hemoglobin-low', at: '2026-10-01T08:00:00Z', record: { severity: 'critical', explanation: 'Hemoglobin EARLIER-STAY-ALERT' } },
    ]);
    await recordAiOutputs(db, 'ai-care-gap-detection', { event_id: 'a-adm', patient_id: P }, [
      { output_id: 'gap-1', rule_id: 'gap:a1c-overdue', at: '2026-11-20T08:00:00Z', record: { status: 'open', title: 'HbA1c not measured in 12 months' } },
      { output_id: 'gap-2', rule_id: 'gap:flu-vaccine', at: '2026-11-20T08:00:00Z', record: { status: 'open', title: 'Influenza vaccine CLOSED-GAP' } },
      { output_id: 'gap-3', rule_id: 'gap:flu-vaccine', at: '2026-11-21T08:00:00Z', record: { status: 'closed', title: 'Influenza vaccine CLOSED-GAP given' } },
    ]);
    record = { ...(await loadEncounterRecord(db, P, stay.encounterId, { processor: 'ai-discharge-summary', at: stay.discharge.event_timestamp })), complete: true };
  });
  after(() => db.close());

  it('is a preliminary LOINC 18842-5 Composition on the summaries topic and in the store, about the pseudonymous patient', () => {
    const d = run(stay.discharge, record);
    assert.equal(d.outputs?.length, 1);
    assert.equal(d.outputs?.[0]?.topic, DISCHARGE_SUMMARIES_TOPIC);
    assert.equal(d.outputs?.[0]?.key, P);
    const c = d.outputs?.[0]?.value as unknown as Composition;
    assert.equal(c.resourceType, 'Composition');
    assert.equal(c.status, 'preliminary');
    assert.deepEqual(c.type.coding?.[0], { system: 'http://loinc.org', code: '18842-5', display: 'Discharge summary' });
    assert.equal(c.subject?.reference, `Patient/${P}`);
    assert.equal(c.encounter?.reference, `Encounter/${stay.encounterId}`);
    assert.equal(c.date, stay.discharge.event_timestamp);
    assert.deepEqual(
      c.section?.map((s) => s.code?.coding?.[0]?.code),
      ['46241-6', '11535-2', '30954-2', '10183-2', '47519-4', '8648-8', '75310-3', '18776-5'],
    );
    assert.equal(c.meta, undefined, 'decided on complete history');
    assert.deepEqual(d.writes, [{ output_id: c.id, rule_id: 'discharge-summary', at: c.date, record: c }]);
    assert.equal(containsCanary(JSON.stringify(c)), undefined, 'no name or MRN in the document');
    // Every section entry points at a contained resource.
    const ids = new Set((c.contained ?? []).map((r) => `#${r.id}`));
    for (const s of c.section ?? []) for (const e of s.entry ?? []) assert.ok(ids.has(e.reference ?? ''), e.reference);
  });

  it('holds every result with units and flags, every medication with its course, every diagnosis: and nothing of another encounter', () => {
    const c = run(stay.discharge, record).outputs?.[0]?.value as unknown as Composition;
    const observations = contained<Observation>(c, 'Observation');
    assert.deepEqual([...new Set(observations.map((o) => key(o.code)))].sort(), [...stay.expected.results].sort());
    assert.equal(observations.length, 5, 'both potassium results');
    const results = sectionText(c, '30954-2');
    for (const v of stay.expected.values) assert.ok(results.includes(v), v);
    assert.match(results, /Potassium \(LOINC 2823-3\): 6\.9 mmol\/L, flags HH, critical; reference 3\.5-5\.1/);
    const k = observations.find((o) => o.valueQuantity?.value === 6.9);
    assert.deepEqual(k?.valueQuantity, { value: 6.9, unit: 'mmol/L' });
    assert.equal(k?.interpretation?.[0]?.coding?.[0]?.code, 'HH');
    assert.ok(results.indexOf('6.9 mmol/L') < results.indexOf('2.4 mg/dL'), 'critical first');

    const meds = contained<MedicationStatement>(c, 'MedicationStatement');
    const courses = Object.fromEntries(meds.map((m) => [key(m.medicationCodeableConcept), m.statusReason?.[0]?.text?.split(' ')[0]]));
    assert.deepEqual(courses, stay.expected.medications);
    assert.equal(meds.find((m) => key(m.medicationCodeableConcept).endsWith('5640'))?.status, 'stopped');
    assert.equal(meds.find((m) => key(m.medicationCodeableConcept).endsWith('11289'))?.status, 'active');
    assert.match(sectionText(c, '10183-2'), /Changed: furosemide \(RxNorm 4603\)/);

    const conditions = contained<Condition>(c, 'Condition');
    assert.deepEqual(conditions.map((x) => key(x.code)).sort(), [...stay.expected.diagnoses].sort());
    assert.match(sectionText(c, '46241-6'), /Admitting diagnosis: Heart failure, unspecified \(ICD-10-CM I50\.9\)/);
    assert.match(sectionText(c, '46241-6'), /Inpatient encounter, admission type emergency/);

    const procedures = contained<ServiceRequest>(c, 'ServiceRequest');
    assert.deepEqual(procedures.map((p) => [key(p.code), p.status]), [[`${SYSTEM.cpt}|74176`, 'active']]);

    const text = JSON.stringify(c);
    for (const foreign of ['718-7', '17767', 'J18.9', '70551', 'EARLIER-STAY-ALERT', 'enc-earlier', 'pt-other']) assert.ok(!text.includes(foreign), foreign);
  });

  it('lists the alerts of the stay, the open care gaps and the follow-up: pending results, critical values, medication changes', () => {
    const c = run(stay.discharge, record).outputs?.[0]?.value as unknown as Composition;
    const alerts = sectionText(c, '8648-8');
    assert.match(alerts, /ai-critical-value-alert, critical: Potassium 6\.9 mmol\/L is above the critical limit/);
    assert.ok(!alerts.includes('suppressed'), 'notes are not alerts');
    const gaps = sectionText(c, '75310-3');
    assert.match(gaps, /HbA1c not measured in 12 months/);
    assert.ok(!gaps.includes('CLOSED-GAP'), 'a closed gap is not open');
    const follow = sectionText(c, '18776-5');
    assert.match(follow, /Discharge disposition \(HL7 table 0112\): 01/);
    assert.match(follow, /Result pending at discharge: Magnesium \(LOINC 19123-9\)/);
    assert.match(follow, /Result pending at discharge: CT abdomen/);
    assert.ok(!follow.includes('Basic metabolic panel'), 'the panel has its result');
    assert.match(follow, /Critical result during the stay, review: Potassium/);
    assert.match(follow, /Medication reconciliation: .*furosemide \(RxNorm 4603\) changed; .*ibuprofen \(RxNorm 5640\) stopped/);
    assert.match(follow, /Open care gap to address: .*HbA1c/);
  });

  it('is repeatable, says when it was made on partial history, and ignores anything but a discharge', () => {
    assert.deepEqual(run(stay.discharge, record), run(stay.discharge, record));
    const partial = run(stay.discharge, { ...record, complete: false }).outputs?.[0]?.value as unknown as Composition;
    assert.equal(partial.meta?.tag?.[0]?.code, 'history-partial');
    assert.match(sectionText(partial, '18776-5'), /before every event of the encounter had reached the patient timeline/);
    assert.deepEqual(run(stay.events[0] as ClinicalEvent, record), {});
  });
});

describe('discharge summary layout file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-discharge-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the default, and names the field of a bad file', () => {
    assert.equal(loadDischargeLayout().document.code, '18842-5');
    const bad = join(dir, 'bad.json');
    const layout = JSON.parse(JSON.stringify(loadDischargeLayout())) as { sections: { key: string }[] };
    layout.sections = layout.sections.filter((s) => s.key !== 'results');
    writeFileSync(bad, JSON.stringify({ ...layout, procedureCodeSystems: [] }));
    assert.throws(() => loadDischargeLayout(bad), (e: Error) => e instanceof DischargeLayoutError && /sections lacks results/.test(e.message));
  });
});
