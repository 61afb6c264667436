// ORM^O01 and OML^O21: one order event per order group (ORC with its OBR), for lab, imaging and
// procedure orders. Orders are keyed by encounter, so PV1-19 is required.
import type { OrderPayload } from '../../event/payloads.ts';
import { readOrderCommon, readPriority } from './common-order.ts';
import { coding, codings } from './codes.ts';
import { addIssue, repetitions } from './context.ts';
import { readCoverage } from './coverage.ts';
import { readDiagnoses } from './diagnosis.ts';
import { HL7_ERROR } from './errors.ts';
import { orderGroups } from './groups.ts';
import { emit, encounterId, eventTime, patientId, patientSections, sourceInfo, type MessageScope } from './scope.ts';

export function mapOrder(scope: MessageScope): void {
  const { ctx, header } = scope;
  const groups = orderGroups(ctx, scope.segments, 'order');
  if (groups.length === 0) addIssue(ctx, 'ORC', undefined, HL7_ERROR.segmentSequence, 'at least one ORC is required');
  for (const group of groups) {
    const { orc, obr } = group;
    if (!orc) {
      addIssue(ctx, obr ?? 'ORC', undefined, HL7_ERROR.segmentSequence, 'each order must start with an ORC');
      continue;
    }
    if (!obr) {
      addIssue(ctx, orc, undefined, HL7_ERROR.segmentSequence, 'each ORC must be followed by an OBR (only OBR order details are supported)');
      continue;
    }
    const { patient, visit } = patientSections(scope, group.patient);
    const common = readOrderCommon(ctx, orc, obr);
    const code = coding(ctx, obr, 4);
    if (!code) addIssue(ctx, obr, 4, HL7_ERROR.requiredFieldMissing, 'universal service identifier must have a code (CE.1)');
    const priority = readPriority(ctx, group);
    const reasons = codings(ctx, obr, 31, repetitions(obr, 31));
    const diagnoses = readDiagnoses(ctx, [...group.patient.dg1, ...group.dg1]);
    const coverage = readCoverage(ctx, group.patient.in1);
    const encounter = encounterId(scope, visit, 'order', group.patient.pv1);
    const timestamp = eventTime(scope, common.orderedAt);
    if (!patient || !code) continue;

    const order: OrderPayload['order'] = { ...common, code, reasons };
    if (priority !== undefined) order.priority = priority;
    const payload: OrderPayload = {
      patient: patient.info,
      ...(visit.info ? { encounter: visit.info } : {}),
      order,
      diagnoses,
      coverage,
      source: sourceInfo(header),
    };
    emit(scope, 'order', patientId(scope, patient), encounter, timestamp, payload);
  }
}
