// ORU^R01: one lab_result event per report (an OBR and its OBXs), so that each report is routed,
// retried and interpreted on its own.
import type { LabResultPayload, Observation } from '../../event/payloads.ts';
import { coding } from './codes.ts';
import { addIssue, dateTime, text } from './context.ts';
import { HL7_ERROR } from './errors.ts';
import { orderGroups } from './groups.ts';
import { readObservation } from './observation.ts';
import { emit, encounterId, eventTime, patientId, patientSections, sourceInfo, type MessageScope } from './scope.ts';

export function mapOru(scope: MessageScope): void {
  const { ctx, header } = scope;
  const groups = orderGroups(ctx, scope.segments, 'result');
  if (groups.length === 0) addIssue(ctx, 'OBR', undefined, HL7_ERROR.segmentSequence, 'at least one OBR is required');
  for (const group of groups) {
    const { obr, orc } = group;
    if (!obr) {
      addIssue(ctx, orc ?? 'OBR', undefined, HL7_ERROR.segmentSequence, 'each ORC must be followed by its OBR');
      continue;
    }
    const { patient, visit } = patientSections(scope, group.patient);
    const observations = group.obx.map((obx) => readObservation(ctx, obx, obr)).filter((o): o is Observation => o !== undefined);

    const order: LabResultPayload['order'] = {};
    const placer = text(ctx, obr, 2) ?? (orc ? text(ctx, orc, 2) : undefined);
    if (placer !== undefined) order.placerNumber = placer;
    const filler = text(ctx, obr, 3) ?? (orc ? text(ctx, orc, 3) : undefined);
    if (filler !== undefined) order.fillerNumber = filler;
    const code = coding(ctx, obr, 4);
    if (code) order.code = code;

    // The clinically relevant time is when the specimen was taken (OBR-7), else when observed.
    const collected = dateTime(ctx, obr, 7);
    const timestamp = eventTime(scope, collected, observations.find((o) => o.observedAt)?.observedAt);
    const encounter = encounterId(scope, visit, undefined, group.patient.pv1);
    if (!patient) continue;

    const payload: LabResultPayload = {
      patient: patient.info,
      ...(visit.info ? { encounter: visit.info } : {}),
      order,
      observations,
      source: sourceInfo(header),
    };
    const reportStatus = text(ctx, obr, 25);
    if (reportStatus !== undefined) payload.reportStatus = reportStatus;
    const resultTime = dateTime(ctx, obr, 22);
    if (resultTime !== undefined) payload.resultTime = resultTime;
    emit(scope, 'lab_result', patientId(scope, patient), encounter, timestamp, payload);
  }
}
