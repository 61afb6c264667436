// The prior-authorization request packet: a FHIR R4 Claim with use = preauthorization, in the shape
// of the Da Vinci PAS request (patient by pseudonymous id, insurance -> a contained Coverage, the
// requested item by CPT/HCPCS, the diagnoses, supporting results). It is ready to send only when
// nothing is missing; the determination says what is.
import type { Claim, ClaimDiagnosis, ClaimSupportingInfo, Coverage as FhirCoverage } from '@medplum/fhirtypes';
import type { Coding } from '../../event/payloads.ts';
import type { Determination } from './determine.ts';

const CLAIM_TYPE = 'http://terminology.hl7.org/CodeSystem/claim-type';
const PROCESS_PRIORITY = 'http://terminology.hl7.org/CodeSystem/processpriority';
const INFO_CATEGORY = 'http://terminology.hl7.org/CodeSystem/claiminformationcategory';
const COVERAGE_CLASS = 'http://terminology.hl7.org/CodeSystem/coverage-class';
const NPI = 'http://hl7.org/fhir/sid/us-npi';

export interface ClaimContext {
  id: string;
  patientId: string;
  created: string;
  service: Coding;
  priority?: string;
  orderingProviderId?: string;
  /** The order's placer number, as the claim's identifier. */
  placerNumber?: string;
}

export function buildClaim(d: Determination, ctx: ClaimContext): Claim {
  const patient = { reference: `Patient/${ctx.patientId}` };
  const cov = d.coverage ?? {};
  const coverage: FhirCoverage = {
    resourceType: 'Coverage',
    id: 'coverage-1',
    status: 'active',
    beneficiary: patient,
    payor: [{ ...(cov.payerId ? { identifier: { value: cov.payerId } } : {}), ...(cov.payerName ? { display: cov.payerName } : {}) }],
    ...(cov.memberId ? { subscriberId: cov.memberId } : {}),
    ...(cov.planId || cov.groupNumber
      ? {
          class: [
            ...(cov.groupNumber ? [{ type: { coding: [{ system: COVERAGE_CLASS, code: 'group' }] }, value: cov.groupNumber }] : []),
            ...(cov.planId ? [{ type: { coding: [{ system: COVERAGE_CLASS, code: 'plan' }] }, value: cov.planId }] : []),
          ],
        }
      : {}),
  };
  const diagnosis: ClaimDiagnosis[] = d.supporting.map((c, i) => ({ sequence: i + 1, diagnosisCodeableConcept: { coding: [{ ...c }] } }));
  const supportingInfo: ClaimSupportingInfo[] = d.attachments.map((a, i) => ({
    sequence: i + 1,
    category: { coding: [{ system: INFO_CATEGORY, code: 'info' }], text: a.label },
    code: { coding: [{ ...a.result.code }] },
    timingDateTime: a.result.observedAt,
    ...(typeof a.result.value === 'number'
      ? { valueQuantity: { value: a.result.value, ...(a.result.units ? { unit: a.result.units, system: 'http://unitsofmeasure.org', code: a.result.units } : {}) } }
      : { valueString: a.result.value }),
  }));
  const npi = ctx.orderingProviderId && /^\d{10}$/.test(ctx.orderingProviderId) ? ctx.orderingProviderId : undefined;
  return {
    resourceType: 'Claim',
    id: ctx.id,
    ...(ctx.placerNumber ? { identifier: [{ type: { text: 'placer order number' }, value: ctx.placerNumber }] } : {}),
    contained: [coverage],
    status: 'active',
    type: { coding: [{ system: CLAIM_TYPE, code: 'professional' }] },
    use: 'preauthorization',
    patient,
    created: ctx.created,
    ...(cov.payerId || cov.payerName ? { insurer: { ...(cov.payerId ? { identifier: { value: cov.payerId } } : {}), ...(cov.payerName ? { display: cov.payerName } : {}) } } : {}),
    provider: npi ? { identifier: { system: NPI, value: npi } } : ctx.orderingProviderId ? { identifier: { value: ctx.orderingProviderId } } : { display: 'ordering provider not given' },
    priority: { coding: [{ system: PROCESS_PRIORITY, code: ctx.priority?.toUpperCase() === 'S' || ctx.priority?.toUpperCase() === 'A' ? 'stat' : 'normal' }] },
    insurance: [{ sequence: 1, focal: true, coverage: { reference: '#coverage-1' } }],
    ...(diagnosis.length > 0 ? { diagnosis } : {}),
    ...(supportingInfo.length > 0 ? { supportingInfo } : {}),
    item: [
      {
        sequence: 1,
        productOrService: { coding: [{ ...ctx.service }] },
        ...(diagnosis.length > 0 ? { diagnosisSequence: diagnosis.map((x) => x.sequence) } : {}),
        ...(supportingInfo.length > 0 ? { informationSequence: supportingInfo.map((x) => x.sequence) } : {}),
        quantity: { value: 1 },
      },
    ],
  };
}
