// RDE^O11 (RDE^O01 before v2.4): one medication_order event per order group (ORC with its RXE).
// Medication orders are keyed by encounter, so PV1-19 is required.
import type { MedicationOrderPayload } from '../../event/payloads.ts';
import { coding } from './codes.ts';
import { readOrderCommon, readTiming } from './common-order.ts';
import { addIssue, numeric, text } from './context.ts';
import { readCoverage } from './coverage.ts';
import { readDiagnoses } from './diagnosis.ts';
import { HL7_ERROR } from './errors.ts';
import { orderGroups } from './groups.ts';
import { emit, encounterId, eventTime, patientId, patientSections, sourceInfo, type MessageScope } from './scope.ts';

/** RXR-1 is coded with HL7 table 0162 (route of administration) unless the sender names another. */
const ROUTE_TABLE = 'http://terminology.hl7.org/CodeSystem/v2-0162';

export function mapRde(scope: MessageScope): void {
  const { ctx, header } = scope;
  const groups = orderGroups(ctx, scope.segments, 'order');
  if (groups.length === 0) addIssue(ctx, 'ORC', undefined, HL7_ERROR.segmentSequence, 'at least one ORC is required');
  for (const group of groups) {
    const { orc, rxe } = group;
    if (!orc) {
      addIssue(ctx, group.obr ?? 'ORC', undefined, HL7_ERROR.segmentSequence, 'each order must start with an ORC');
      continue;
    }
    if (!rxe) {
      addIssue(ctx, orc, undefined, HL7_ERROR.segmentSequence, 'each ORC must be followed by an RXE');
      continue;
    }
    const { patient, visit } = patientSections(scope, group.patient);
    const common = readOrderCommon(ctx, orc, undefined);
    const medication = coding(ctx, rxe, 2);
    if (!medication) addIssue(ctx, rxe, 2, HL7_ERROR.requiredFieldMissing, 'give code must have a code (CE.1)');
    const amount = numeric(ctx, rxe, 3, 1, 'give amount must be a number (NM)');
    const units = text(ctx, rxe, 5) ?? text(ctx, rxe, 5, 2);
    const rxr = group.rxr[0];
    const route = rxr ? coding(ctx, rxr, 1, { defaultSystem: ROUTE_TABLE }) : undefined;
    const timing = readTiming(ctx, group.tq1, [
      { seg: rxe, field: 1 },
      { seg: orc, field: 7 },
    ]);
    const diagnoses = readDiagnoses(ctx, [...group.patient.dg1, ...group.dg1]);
    const coverage = readCoverage(ctx, group.patient.in1);
    const encounter = encounterId(scope, visit, 'medication_order', group.patient.pv1);
    const timestamp = eventTime(scope, common.orderedAt);
    if (!patient || !medication) continue;

    const payload: MedicationOrderPayload = {
      patient: patient.info,
      ...(visit.info ? { encounter: visit.info } : {}),
      order: common,
      medication,
      diagnoses,
      coverage,
      source: sourceInfo(header),
      ...timing,
    };
    if (amount !== undefined || units !== undefined) {
      payload.dose = {};
      if (amount !== undefined) payload.dose.value = amount;
      if (units !== undefined) payload.dose.units = units;
    }
    if (route) payload.route = route;
    emit(scope, 'medication_order', patientId(scope, patient), encounter, timestamp, payload);
  }
}
