// Coverage: the patient's insurance, as a registration_update carrying it (the FHIR counterpart of
// an ADT^A08 with IN1), so the timeline keeps it for prior authorization. Only active coverage is
// recorded; a Coverage carries no clinical time, so meta.lastUpdated dates its event.
import type { AdtPayload, Coverage } from '../../event/payloads.ts';
import type { FhirNode } from './node.ts';
import { emit, eventTime, referencedPatient, sourceInfo, type ResourceContext } from './scope.ts';

/** The value of Coverage.class whose type is `type` (http://terminology.hl7.org/CodeSystem/coverage-class). */
function classValue(root: FhirNode, type: string): string | undefined {
  const match = root.arr('class').find((c) => c.obj('type')?.arr('coding').some((coding) => coding.str('code') === type));
  return match?.str('value');
}

export function mapCoverage(ctx: ResourceContext): void {
  const { root } = ctx;
  const status = root.str('status');
  if (status !== 'active') root.issue('value', 'status must be active: only coverage in force is recorded', 'status');
  const beneficiary = root.obj('beneficiary');
  if (!beneficiary) root.issue('required', 'beneficiary is required: a reference to the Patient', 'beneficiary');
  const patient = beneficiary ? referencedPatient(ctx, beneficiary) : undefined;
  const payor = root.arr('payor')[0];
  if (!payor) root.issue('required', 'payor is required: the insurer', 'payor');
  const timestamp = eventTime(ctx, [], 'meta.lastUpdated', 'meta.lastUpdated is required: a Coverage has no clinical time to date its event');
  if (!patient || !payor || status !== 'active') return;

  const coverage: Coverage = {};
  const payerId = payor.obj('identifier')?.str('value');
  const payerName = payor.str('display');
  const memberId = root.str('subscriberId') ?? root.arr('identifier')[0]?.str('value');
  const planId = classValue(root, 'plan');
  const groupNumber = classValue(root, 'group');
  if (payerId !== undefined) coverage.payerId = payerId;
  if (payerName !== undefined) coverage.payerName = payerName;
  if (memberId !== undefined) coverage.memberId = memberId;
  if (planId !== undefined) coverage.planId = planId;
  if (groupNumber !== undefined) coverage.groupNumber = groupNumber;
  if (coverage.payerId === undefined && coverage.payerName === undefined) {
    root.issue('required', 'payor must carry an identifier value or a display (the payer table is keyed on it)', 'payor');
    return;
  }
  const payload: AdtPayload = { trigger: 'FHIR:Coverage', patient: patient.info, diagnoses: [], coverage: [coverage], source: sourceInfo(ctx) };
  emit(ctx, 'registration_update', patient, null, timestamp, payload);
}
