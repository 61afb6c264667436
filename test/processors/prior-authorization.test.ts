// The ai-prior-authorization processor without Kafka: required (a complete FHIR Claim packet), not
// required (unlisted service, payer without the rule, exempt setting), missing documentation, and
// no coverage.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Claim, Coverage as FhirCoverage } from '@medplum/fhirtypes';
import type { ClinicalEvent, JsonObject } from '../../src/event/envelope.ts';
import { type Coverage, type Diagnosis, type EncounterClass, type OrderPayload, SYSTEM } from '../../src/event/payloads.ts';
import { emptyHistory, type PastObservation, type PatientHistory } from '../../src/processors/history.ts';
import { DEFAULT_PRIOR_AUTH_TOPIC, determinationId, type PriorAuthDetermination, priorAuthorizationProcessor } from '../../src/processors/prior-authorization.ts';
import { loadPriorAuthTable, parsePriorAuthTable } from '../../src/clinical/prior-auth/rules.ts';
import { CANARY } from '../support/canary.ts';

const decide = priorAuthorizationProcessor();
const AT = '2026-11-26T15:00:00.000Z';
const BCBS: Coverage = { payerId: 'BCBS', payerName: 'Blue Cross Blue Shield', planId: 'BCBS-PPO', memberId: 'CANARYM123', groupNumber: 'G12345' };
const MEDICARE: Coverage = { payerId: 'CMS', payerName: 'Medicare', planId: 'MCR-AB', memberId: 'CANARYM456' };
const dx = (code: string): Diagnosis => ({ code: { system: SYSTEM.icd10cm, code } });

interface OrderOptions {
  code?: string;
  system?: string;
  control?: string;
  orderType?: string;
  cls?: EncounterClass;
  coverage?: Coverage[];
  diagnoses?: Diagnosis[];
  provider?: string | null;
}

function order(o: OrderOptions = {}): ClinicalEvent {
  const payload: OrderPayload = {
    patient: { identifiers: [{ value: CANARY.mrn, type: 'MR' }], name: { family: 'ZZCANARY' } },
    encounter: { class: o.cls ?? 'inpatient' },
    order: {
      control: o.control ?? 'NW',
      placerNumber: 'PL-1',
      code: { system: o.system ?? SYSTEM.cpt, code: o.code ?? '78815', display: 'PET/CT' },
      priority: 'R',
      ...(o.provider === null ? {} : { orderingProviderId: o.provider ?? '1234567893' }),
      ...(o.orderType ? { orderType: o.orderType } : {}),
      reasons: [],
    },
    diagnoses: o.diagnoses ?? [],
    coverage: o.coverage ?? [BCBS],
    source: { format: 'hl7v2' },
  };
  return { event_id: 'evt-order', event_type: 'order', patient_id: 'P-pseudo-9', encounter_id: 'ENC-3', event_timestamp: AT, payload: payload as unknown as JsonObject };
}

function lab(code: string, value: number, daysBefore: number, units: string): PastObservation {
  return { code: { system: SYSTEM.loinc, code }, value, valueType: 'NM', units, abnormalFlags: [], status: 'F', observedAt: new Date(Date.parse(AT) - daysBefore * 86_400_000).toISOString(), eventId: `evt-${code}`, encounterId: 'ENC-3' };
}

function history(more: Partial<PatientHistory> = {}): PatientHistory {
  return { ...emptyHistory('P-pseudo-9'), ...more };
}

function only(decision: ReturnType<typeof decide>): PriorAuthDetermination {
  assert.equal(decision.outputs?.length, 1);
  assert.equal(decision.outputs?.[0]?.topic, DEFAULT_PRIOR_AUTH_TOPIC);
  assert.equal(decision.outputs?.[0]?.key, 'P-pseudo-9');
  assert.deepEqual(decision.writes, [decision.outputs?.[0]?.value]);
  return decision.outputs?.[0]?.value as unknown as PriorAuthDetermination;
}

describe('prior authorization required: the request packet', () => {
  const d = only(decide(order({ orderType: 'O' }), history({ diagnoses: [dx('C34.90'), dx('I10')], observations: [lab('2345-7', 104, 2, 'mg/dL'), lab('2345-7', 98, 40, 'mg/dL')] })));

  it('says required, by the payer rule, with no documentation missing', () => {
    assert.equal(d.determination_id, determinationId('evt-order'));
    assert.equal(d.status, 'required');
    assert.equal(d.setting, 'outpatient');
    assert.deepEqual(d.payer, { id: 'BCBS', name: 'Blue Cross Blue Shield', rules: 'default' });
    assert.equal(d.rule.id, 'prior-auth:default:pet');
    assert.match(d.rule.source, /radiology benefit managers/);
    assert.deepEqual(d.missing_documentation, []);
    assert.equal(d.severity, 'info');
    assert.deepEqual(d.service, { system: SYSTEM.cpt, code: '78815', display: 'PET/CT', service_id: 'pet', category: 'advanced-imaging' });
  });

  it('is a FHIR Claim with use = preauthorization in the Da Vinci PAS shape', () => {
    const claim = d.claim as unknown as Claim;
    assert.equal(claim.resourceType, 'Claim');
    assert.equal(claim.use, 'preauthorization');
    assert.equal(claim.status, 'active');
    assert.deepEqual(claim.patient, { reference: 'Patient/P-pseudo-9' }, 'the pseudonymous id, never the MRN');
    assert.ok(!JSON.stringify(claim).includes(CANARY.mrn));
    assert.deepEqual(claim.insurance, [{ sequence: 1, focal: true, coverage: { reference: '#coverage-1' } }]);
    const coverage = claim.contained?.[0] as FhirCoverage;
    assert.equal(coverage.resourceType, 'Coverage');
    assert.equal(coverage.subscriberId, 'CANARYM123');
    assert.deepEqual(coverage.payor, [{ identifier: { value: 'BCBS' }, display: 'Blue Cross Blue Shield' }]);
    assert.deepEqual(claim.provider, { identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' } });
    assert.deepEqual(claim.item?.[0]?.productOrService.coding, [{ system: SYSTEM.cpt, code: '78815', display: 'PET/CT' }]);
    assert.deepEqual(claim.diagnosis?.map((x) => x.diagnosisCodeableConcept?.coding?.[0]?.code), ['C34.90'], 'only supporting diagnoses');
    assert.deepEqual(claim.item?.[0]?.diagnosisSequence, [1]);
    // The newest glucose within 30 days, for FDG PET.
    assert.equal(claim.supportingInfo?.length, 1);
    assert.deepEqual(claim.supportingInfo?.[0]?.valueQuantity?.value, 104);
    assert.deepEqual(claim.item?.[0]?.informationSequence, [1]);
    assert.deepEqual(claim.identifier, [{ type: { text: 'placer order number' }, value: 'PL-1' }]);
  });

  it('takes coverage from the timeline when the order carries none', () => {
    const h = history({ diagnoses: [dx('C34.90')], coverage: [{ ...BCBS, eventId: 'evt-adm', recordedAt: AT }] });
    const r = only(decide(order({ orderType: 'O', coverage: [] }), h));
    assert.equal(r.status, 'required');
    assert.equal(r.payer?.id, 'BCBS');
  });

  it('names results worth attaching that are not on file without blocking the request', () => {
    const r = only(decide(order({ code: '71260', orderType: 'O', diagnoses: [dx('R91.1')] }), history()));
    assert.equal(r.status, 'required');
    assert.deepEqual(r.results_not_on_file, ['renal function before iodinated or gadolinium contrast (creatinine or eGFR) within 30 days']);
  });

  it('a specialty drug by HCPCS J-code', () => {
    const r = only(decide(order({ system: SYSTEM.hcpcs, code: 'J1745', cls: 'outpatient', diagnoses: [dx('K50.90')] }), history()));
    assert.equal(r.status, 'required');
    assert.equal(r.rule.id, 'prior-auth:default:drug-infliximab');
  });
});

describe('prior authorization missing documentation', () => {
  it('names a missing supporting diagnosis and still prepares the packet', () => {
    const r = only(decide(order({ code: '72148', orderType: 'O', diagnoses: [dx('M54.50')] }), history()));
    assert.equal(r.status, 'missing-documentation');
    assert.deepEqual(r.missing_documentation.map((m) => m.item), ['supporting-diagnosis']);
    assert.equal(r.severity, 'attention');
    assert.match(r.missing_documentation[0]?.detail ?? '', /MRI spine; expected one of M54\.1, M54\.3/);
    assert.equal((r.claim as unknown as Claim).diagnosis, undefined);
  });

  it('names a missing ordering provider and member id', () => {
    const r = only(decide(order({ orderType: 'O', provider: null, coverage: [{ payerId: 'AETNA', payerName: 'Aetna' }], diagnoses: [dx('C34.90')] }), history()));
    assert.equal(r.status, 'missing-documentation');
    assert.deepEqual(r.missing_documentation.map((m) => m.item), ['ordering-provider', 'member-id']);
    assert.deepEqual((r.claim as unknown as Claim).provider, { display: 'ordering provider not given' });
  });
});

describe('prior authorization not required', () => {
  const cases: [string, OrderOptions, RegExp, string][] = [
    ['a service on no list (chest X-ray)', { code: '71046', orderType: 'O' }, /on no payer's prior-authorization list/, 'prior-auth:unlisted'],
    ['a payer without the rule (Original Medicare, PET)', { orderType: 'O', coverage: [MEDICARE], diagnoses: [dx('C34.90')] }, /Original Medicare .* does not require/, 'prior-auth:CMS:pet'],
    ['an inpatient order', { orderType: 'I', diagnoses: [dx('C34.90')] }, /inpatient setting/, 'prior-auth:default:pet'],
    ['an emergency department order', { code: '70450', cls: 'emergency' }, /emergency setting/, 'prior-auth:default:ct-head'],
  ];
  for (const [name, o, reason, rule] of cases) {
    it(name, () => {
      const r = only(decide(order(o), history()));
      assert.equal(r.status, 'not-required');
      assert.match(r.reason, reason);
      assert.equal(r.rule.id, rule);
      assert.equal(r.claim, undefined);
    });
  }

  it('Original Medicare requires it for its outpatient department list (blepharoplasty)', () => {
    const r = only(decide(order({ code: '15823', orderType: 'O', coverage: [MEDICARE], diagnoses: [dx('H02.831')] }), history()));
    assert.equal(r.status, 'required');
    assert.equal(r.rule.id, 'prior-auth:CMS:cms-opd-blepharoplasty');
  });
});

describe('prior authorization without coverage', () => {
  it('says no coverage is on file', () => {
    const r = only(decide(order({ orderType: 'O', coverage: [] }), history({ diagnoses: [dx('C34.90')] })));
    assert.equal(r.status, 'no-coverage');
    assert.equal(r.payer, null);
    assert.match(r.reason, /no insurance coverage on file/);
    assert.equal(r.claim, undefined);
  });
});

describe('orders it does not judge', () => {
  it('lab orders by LOINC, and changes or cancels, get no output', () => {
    assert.deepEqual(decide(order({ system: SYSTEM.loinc, code: '24323-8' }), history()), {});
    assert.deepEqual(decide(order({ control: 'CA' }), history()), {});
    assert.deepEqual(decide({ ...order(), event_type: 'medication_order' }, history()), {});
  });
});

describe('the prior-authorization table', () => {
  it('loads with every code in one service only', () => {
    const t = loadPriorAuthTable();
    assert.equal(t.byCode.get('78815'), 'pet');
    assert.ok(t.payers.has('default'));
  });

  it('refuses a payer naming an unknown service, naming the field', () => {
    const json = {
      name: 'x', version: '1', sources: [{ id: 's', citation: 'c' }],
      services: { a: { category: 'c', display: 'A', cpt: ['1'], supporting_diagnoses: ['I10'], source: 's' } },
      contrast_results: { label: 'l', loinc: ['1-1'], max_age_days: 1 },
      payers: { default: { name: 'd', requires: ['b'], source: 's' } },
    };
    assert.throws(() => parsePriorAuthTable(json), /payers\.default\.requires "b" is not a service/);
  });
});
