import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClinicalEvent, JsonObject } from '../../src/event/envelope.ts';
import { SYSTEM, type MedicationOrderPayload } from '../../src/event/payloads.ts';
import { emptyHistory, type MedicationEntry, type PatientHistory } from '../../src/processors/history.ts';
import {
  DEFAULT_DRUG_INTERACTION_TOPIC,
  drugInteractionProcessor,
  findingId,
  loadInteractionKnowledgeBase,
  type DrugInteractionFinding,
  type UnmappedCodesRecord,
} from '../../src/processors/drug-interaction-check.ts';
import { NonRetryableError } from '../../src/runtime/worker.ts';
import { CANARY } from '../support/canary.ts';

const ORDER_TIME = '2026-03-10T14:00:00.000Z';
const check = drugInteractionProcessor();
const kb = loadInteractionKnowledgeBase();

interface OrderOptions {
  eventId?: string;
  control?: string;
  system?: string;
  dose?: { value?: number; units?: string };
}

function order(code: string, o: OrderOptions = {}): ClinicalEvent {
  const payload: MedicationOrderPayload = {
    patient: { identifiers: [{ value: CANARY.mrn, type: 'MR' }], name: { family: 'ZZCANARY', given: ['PATIENT'] } },
    order: { control: o.control ?? 'NW', placerNumber: 'RX-1' },
    medication: { system: o.system ?? SYSTEM.rxnorm, code },
    diagnoses: [],
    coverage: [],
    source: { format: 'hl7v2', messageType: 'RDE^O11' },
  };
  if (o.dose) payload.dose = o.dose;
  return {
    event_id: o.eventId ?? 'evt-order-1',
    event_type: 'medication_order',
    patient_id: 'P-4242',
    encounter_id: 'ENC-77',
    event_timestamp: ORDER_TIME,
    payload: payload as unknown as JsonObject,
  };
}

interface MedOptions {
  eventId?: string;
  end?: string;
  system?: string;
}

function med(code: string, o: MedOptions = {}): MedicationEntry {
  const entry: MedicationEntry = {
    eventId: o.eventId ?? `evt-med-${code}`,
    medication: { system: o.system ?? SYSTEM.rxnorm, code },
    start: '2026-03-01T08:00:00.000Z',
    encounterId: 'ENC-77',
  };
  if (o.end !== undefined) entry.end = o.end;
  return entry;
}

function history(meds: MedicationEntry[], age?: number): PatientHistory {
  const h = emptyHistory('P-4242');
  h.activeMedications = meds;
  if (age !== undefined) h.age = age;
  return h;
}

function findings(event: ClinicalEvent, h: PatientHistory): DrugInteractionFinding[] {
  const decision = check(event, h);
  return (decision.outputs ?? []).map((o) => o.value as unknown as DrugInteractionFinding);
}

function only(event: ClinicalEvent, h: PatientHistory): DrugInteractionFinding {
  const all = findings(event, h);
  assert.equal(all.length, 1, `expected one finding, got ${all.map((f) => f.rule.id).join(', ') || 'none'}`);
  return all[0] as DrugInteractionFinding;
}

const WARFARIN = '11289';
const IBUPROFEN = '5640';
const OMEPRAZOLE = '7646';
const PREDNISONE = '8640';

describe('ai-drug-interaction-check: pairs', () => {
  it('finds every knowledge-base rule in both orders: new A with active B, and new B with active A', () => {
    for (const rule of kb.interactions) {
      const a = [...rule.a.members.keys()][0] as string;
      const b = [...rule.b.members.keys()].find((code) => code !== a) as string;
      const forward = findings(order(a), history([med(b)])).map((f) => f.rule.id);
      const backward = findings(order(b), history([med(a)])).map((f) => f.rule.id);
      assert.ok(forward.includes(rule.id), `${rule.id}: new ${a} with active ${b}`);
      assert.ok(backward.includes(rule.id), `${rule.id}: new ${b} with active ${a}`);
    }
  });

  it('names both drugs, ordered first, for the seed pairs', () => {
    const seeds: [string, string, string, string, string][] = [
      [WARFARIN, IBUPROFEN, 'warfarin-nsaid', 'warfarin', 'ibuprofen'],
      [IBUPROFEN, WARFARIN, 'warfarin-nsaid', 'ibuprofen', 'warfarin'],
      ['7258', WARFARIN, 'warfarin-nsaid', 'naproxen', 'warfarin'],
      ['3407', '3008', 'digoxin-cyclosporine', 'digoxin', 'cyclosporine'],
      ['3008', '3407', 'digoxin-cyclosporine', 'cyclosporine', 'digoxin'],
      ['703', '3407', 'digoxin-amiodarone', 'amiodarone', 'digoxin'],
      ['10829', '6851', 'methotrexate-trimethoprim', 'trimethoprim', 'methotrexate'],
      ['21212', '36567', 'statin-strong-cyp3a4-inhibitor', 'clarithromycin', 'simvastatin'],
    ];
    for (const [ordered, active, ruleId, orderedName, activeName] of seeds) {
      const f = only(order(ordered), history([med(active)]));
      assert.equal(f.rule.id, ruleId);
      assert.deepEqual(f.pair, [
        { code: ordered, name: orderedName },
        { code: active, name: activeName },
      ]);
    }
  });

  it('resolves product codes to ingredients on both sides, combination products included', () => {
    // ibuprofen 400 MG Oral Tablet ordered; warfarin sodium 5 MG Oral Tablet active.
    const f = only(order('197805'), history([med('855332')]));
    assert.equal(f.rule.id, 'warfarin-nsaid');
    assert.deepEqual(f.pair, [
      { code: IBUPROFEN, name: 'ibuprofen' },
      { code: WARFARIN, name: 'warfarin' },
    ]);
    assert.deepEqual(f.ordered_medication, { system: SYSTEM.rxnorm, code: '197805' });
    // sulfamethoxazole/trimethoprim tablet against methotrexate: the trimethoprim ingredient interacts.
    const t = only(order('198335'), history([med('6851')]));
    assert.equal(t.rule.id, 'methotrexate-trimethoprim');
    assert.equal(t.pair[0].name, 'trimethoprim');
  });

  it('finds nothing for safe combinations', () => {
    assert.deepEqual(check(order('6809'), history([med('29046')])), {}); // metformin + lisinopril
    assert.deepEqual(check(order('29046'), history([med('6809')])), {});
    assert.deepEqual(check(order('313782'), history([med(WARFARIN), med('6809')])), {}); // acetaminophen + warfarin
    assert.deepEqual(check(order(IBUPROFEN), history([])), {});
  });

  it('ignores medications that ended before the order, and keeps those whose planned end is later', () => {
    assert.deepEqual(check(order(IBUPROFEN), history([med(WARFARIN, { end: '2026-03-09T10:00:00.000Z' })])), {});
    assert.deepEqual(check(order(IBUPROFEN), history([med(WARFARIN, { end: ORDER_TIME })])), {});
    assert.deepEqual(check(order(IBUPROFEN), history([med(WARFARIN, { end: 'not a time' })])), {});
    assert.equal(only(order(IBUPROFEN), history([med(WARFARIN, { end: '2026-03-20T00:00:00.000Z' })])).rule.id, 'warfarin-nsaid');
  });

  it('never pairs the order with itself, nor an ingredient with another order of the same ingredient', () => {
    // The timeline may already hold this very order (same event id).
    const self = med('703', { eventId: 'evt-order-1' });
    assert.deepEqual(check(order('703'), history([self])), {});
    assert.deepEqual(check(order('3407', { eventId: 'evt-order-1' }), history([med('3407', { eventId: 'evt-order-1' })])), {});
    // A second amiodarone order is not a QT pair of amiodarone with itself.
    assert.deepEqual(check(order('703'), history([med('703', { eventId: 'evt-older' })])), {});
  });

  it('reports one finding per pair, listing every active order that holds the interacting drug', () => {
    const f = only(order(IBUPROFEN), history([med(WARFARIN, { eventId: 'evt-w1' }), med('855332', { eventId: 'evt-w2' })]));
    assert.deepEqual(f.active_event_ids, ['evt-w1', 'evt-w2']);
  });

  it('reports each pair when the new drug interacts with several active drugs', () => {
    // Clarithromycin: simvastatin (CYP3A4) and amiodarone (QT).
    const ids = findings(order('21212'), history([med('36567'), med('703')])).map((f) => `${f.rule.id}:${f.pair[1].name}`);
    assert.deepEqual(ids, ['statin-strong-cyp3a4-inhibitor:simvastatin', 'qt-prolonging-pair:amiodarone']);
  });
});

describe('ai-drug-interaction-check: risk modifiers (warfarin + NSAID)', () => {
  const risk = (meds: string[], age?: number) => {
    const f = only(order(IBUPROFEN), history([med(WARFARIN), ...meds.map((c) => med(c))], age));
    return { risk: f.adjusted_risk, severity: f.severity, notes: f.risk_modifiers.map((m) => m.note) };
  };

  it('starts at high with no modifier, and when the age is unknown', () => {
    assert.deepEqual(risk([]), { risk: 'high', severity: 'high', notes: [] });
    assert.deepEqual(risk([], 40), { risk: 'high', severity: 'high', notes: [] });
  });

  it('is lowered by a proton-pump inhibitor on the active list; the severity stays', () => {
    for (const ppi of [OMEPRAZOLE, '40790', '283742', '17128']) {
      assert.deepEqual(risk([ppi]), { risk: 'moderate', severity: 'high', notes: ['PPI co-therapy lowers GI bleeding risk'] }, ppi);
    }
  });

  it('is raised over 65 (66 raises, 65 does not)', () => {
    assert.equal(risk([], 66).risk, 'very high');
    assert.deepEqual(risk([], 66).notes, ['Age over 65 raises GI bleeding risk']);
    assert.equal(risk([], 65).risk, 'high');
  });

  it('is raised by a systemic corticosteroid', () => {
    for (const steroid of [PREDNISONE, '6902', '3264', '5492']) assert.equal(risk([steroid]).risk, 'very high', steroid);
    assert.deepEqual(risk([PREDNISONE]).notes, ['Systemic corticosteroid co-therapy raises GI bleeding risk']);
  });

  it('combines modifiers one step each, summed before clamping at very high', () => {
    assert.equal(risk([OMEPRAZOLE], 80).risk, 'high');
    assert.equal(risk([PREDNISONE], 80).risk, 'very high');
    assert.equal(risk([PREDNISONE, OMEPRAZOLE]).risk, 'high');
    assert.equal(risk([PREDNISONE, OMEPRAZOLE], 80).risk, 'very high');
  });

  it('applies when warfarin is the new order too, and ignores an ended PPI', () => {
    const f = only(order(WARFARIN), history([med(IBUPROFEN), med(OMEPRAZOLE)]));
    assert.equal(f.adjusted_risk, 'moderate');
    const ended = only(order(IBUPROFEN), history([med(WARFARIN), med(OMEPRAZOLE, { end: '2026-03-01T09:00:00.000Z' })]));
    assert.equal(ended.adjusted_risk, 'high');
  });

  it('raises warfarin + aspirin for an analgesic aspirin dose on the order', () => {
    const aspirin = (dose?: { value?: number; units?: string }) => only(order('1191', dose ? { dose } : {}), history([med(WARFARIN)]));
    assert.equal(aspirin({ value: 81, units: 'mg' }).adjusted_risk, 'moderate');
    assert.equal(aspirin({ value: 650, units: 'mg' }).adjusted_risk, 'high');
    assert.equal(aspirin({ value: 325, units: 'MG' }).adjusted_risk, 'high');
    assert.equal(aspirin().adjusted_risk, 'moderate'); // no dose: not raised
    assert.equal(aspirin({ value: 0.65, units: 'g' }).adjusted_risk, 'moderate'); // units not converted
  });
});

describe('ai-drug-interaction-check: orders that are not checked', () => {
  it('produces nothing for cancel and discontinue orders', () => {
    for (const control of ['CA', 'DC', 'OD', 'HD']) assert.deepEqual(check(order(IBUPROFEN, { control }), history([med(WARFARIN)])), {}, control);
  });

  it('produces nothing for other event types', () => {
    const event: ClinicalEvent = { ...order(IBUPROFEN), event_type: 'lab_result' };
    assert.deepEqual(check(event, history([med(WARFARIN)])), {});
  });

  it('checks the controls given as an option', () => {
    const withChanges = drugInteractionProcessor({ checkedControls: ['NW', 'XO'] });
    assert.equal(withChanges(order(IBUPROFEN, { control: 'XO' }), history([med(WARFARIN)])).outputs?.length, 1);
  });

  it('rejects a payload without a usable medication as non-retryable, naming the field but no value', () => {
    const event = order(IBUPROFEN);
    const payload = { ...event.payload, medication: { system: SYSTEM.rxnorm, code: '' } };
    assert.throws(() => check({ ...event, payload }, history([])), (err: Error) => err instanceof NonRetryableError && /medication/.test(err.message) && !err.message.includes(CANARY.mrn));
    const noOrder = { ...event.payload, order: undefined };
    assert.throws(() => check({ ...event, payload: noOrder }, history([])), NonRetryableError);
  });
});

describe('ai-drug-interaction-check: unmapped codes', () => {
  it('an unmapped ordered code (NDC) raises no alert and records that no pair was checked', () => {
    const decision = check(order('0056-0172-70', { system: SYSTEM.ndc }), history([med(IBUPROFEN)]));
    assert.equal(decision.outputs, undefined);
    assert.equal(decision.writes?.length, 1);
    const record = decision.writes?.[0] as unknown as UnmappedCodesRecord;
    assert.equal(record.kind, 'drug_interaction_unmapped');
    assert.equal(record.reason, 'unmapped code');
    assert.equal(record.checked, false);
    assert.deepEqual(record.codes, [
      { role: 'ordered', system: SYSTEM.ndc, code: '0056-0172-70', event_id: 'evt-order-1', detail: 'NDC codes are not mapped to RxNorm ingredients' },
    ]);
    assert.equal(record.knowledge_base_version, kb.version);
  });

  it('an unmapped active code is recorded beside the findings the mapped ones produce', () => {
    const decision = check(order(IBUPROFEN), history([med('63323-0540-31', { system: SYSTEM.ndc, eventId: 'evt-hep' }), med(WARFARIN)]));
    assert.equal(decision.outputs?.length, 1);
    assert.equal(decision.writes?.length, 2);
    const record = decision.writes?.[1] as unknown as UnmappedCodesRecord;
    assert.equal(record.checked, true);
    assert.deepEqual(
      record.codes.map((c) => [c.role, c.code, c.event_id]),
      [['active', '63323-0540-31', 'evt-hep']],
    );
  });

  it('an RxNorm code missing from the map is unmapped too, not treated as safe', () => {
    const decision = check(order('999999999'), history([med(WARFARIN)]));
    assert.equal(decision.outputs, undefined);
    assert.equal((decision.writes?.[0] as unknown as UnmappedCodesRecord).reason, 'unmapped code');
  });
});

describe('ai-drug-interaction-check: output records', () => {
  it('writes one record per finding to the output topic, keyed by patient, and the same record to the store', () => {
    const decision = check(order(IBUPROFEN), history([med(WARFARIN)], 70));
    assert.equal(decision.outputs?.length, 1);
    const out = decision.outputs?.[0];
    assert.equal(out?.topic, DEFAULT_DRUG_INTERACTION_TOPIC);
    assert.equal(out?.topic, 'ai-drug-interaction-alerts');
    assert.equal(out?.key, 'P-4242');
    assert.deepEqual(decision.writes, [out?.value]);
    const f = out?.value as unknown as DrugInteractionFinding;
    assert.equal(f.kind, 'drug_interaction');
    assert.equal(f.patient_id, 'P-4242');
    assert.equal(f.encounter_id, 'ENC-77');
    assert.equal(f.source_event_id, 'evt-order-1');
    assert.equal(f.severity, 'high');
    assert.equal(f.base_risk, 'high');
    assert.equal(f.adjusted_risk, 'very high');
    assert.deepEqual(f.rule, { id: 'warfarin-nsaid', tier: 'site', version: kb.version, source: f.rule.source });
    assert.match(f.rule.source, /COUMADIN/);
    assert.match(f.rule.source, /Battistella/);
    assert.match(f.mechanism, /bleeding/);
    assert.match(f.management, /acetaminophen/);
    assert.deepEqual(f.risk_modifiers.map((m) => [m.id, m.effect]), [['age-over-65', 'raise']]);
    assert.match(f.risk_modifiers[0]?.source ?? '', /Lanza FL/);
  });

  it('explains the finding for a clinician, naming both drugs, without patient identifiers', () => {
    const f = only(order('197805', { eventId: 'evt-x' }), history([med(WARFARIN), med(OMEPRAZOLE)], 70));
    assert.match(f.explanation, /New order for ibuprofen \(RxNorm 197805\) with active warfarin: high interaction\./);
    assert.match(f.explanation, /Risk for this patient: high \(base high; raised by: Age over 65 raises GI bleeding risk; lowered by: PPI co-therapy lowers GI bleeding risk\)/);
    assert.match(f.explanation, /Management: /);
    for (const secret of [CANARY.mrn, 'ZZCANARY', 'P-4242', '70']) assert.ok(!f.explanation.includes(secret), secret);
  });

  it('uses the configured topic', () => {
    const custom = drugInteractionProcessor({ topic: 'site-ddi-alerts', knowledgeBase: kb });
    assert.equal(custom(order(IBUPROFEN), history([med(WARFARIN)])).outputs?.[0]?.topic, 'site-ddi-alerts');
  });

  it('gives deterministic finding ids: same event and pair, same id; another event or pair, another id', () => {
    const h = history([med(WARFARIN), med('3407')]);
    const first = check(order('703'), h);
    const again = drugInteractionProcessor()(order('703'), h);
    assert.deepEqual(again, first);
    const ids = (first.outputs ?? []).map((o) => (o.value as unknown as DrugInteractionFinding).finding_id);
    assert.equal(ids.length, 1);
    assert.equal(ids[0], findingId('evt-order-1', 'digoxin-amiodarone', '703', '3407'));
    assert.match(ids[0] ?? '', /^ddi-[0-9a-f]{32}$/);
    const other = only(order('703', { eventId: 'evt-order-2' }), h);
    assert.notEqual(other.finding_id, ids[0]);
    const pairIds = findings(order('21212'), history([med('36567'), med('703')])).map((f) => f.finding_id);
    assert.equal(new Set(pairIds).size, 2);
  });
});
