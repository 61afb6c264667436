// ADT A01/A04 (admission, A04 being the registration of an outpatient or ED visit), A02 (transfer),
// A03 (discharge), A08 (registration update): one event per message.
import type { EventType } from '../../event/envelope.ts';
import type { AdtPayload, Observation } from '../../event/payloads.ts';
import { addIssue, dateTime } from './context.ts';
import { readCoverage } from './coverage.ts';
import { readDiagnoses } from './diagnosis.ts';
import { HL7_ERROR } from './errors.ts';
import { readObservation } from './observation.ts';
import { readPatient } from './patient.ts';
import { emit, encounterId, eventTime, patientId, sourceInfo, type MessageScope } from './scope.ts';
import { readVisit } from './visit.ts';

const EVENT_TYPE: Record<string, EventType> = {
  A01: 'admission',
  A04: 'admission',
  A02: 'transfer',
  A03: 'discharge',
  A08: 'registration_update',
};

export function mapAdt(scope: MessageScope): void {
  const { ctx, header, segments } = scope;
  const type = EVENT_TYPE[header.trigger];
  if (!type) return; // unreachable: the header check refuses other triggers
  const pid = segments.find((s) => s.name === 'PID');
  if (!pid) {
    addIssue(ctx, 'PID', undefined, HL7_ERROR.segmentSequence, 'a PID segment is required');
    return;
  }
  const evn = segments.find((s) => s.name === 'EVN');
  const pv1 = segments.find((s) => s.name === 'PV1');
  const patient = readPatient(ctx, pid);
  const visit = readVisit(ctx, pv1);
  const diagnoses = readDiagnoses(ctx, segments.filter((s) => s.name === 'DG1'));
  const coverage = readCoverage(ctx, segments.filter((s) => s.name === 'IN1'));
  const observations = segments.filter((s) => s.name === 'OBX').map((obx) => readObservation(ctx, obx, undefined)).filter((o): o is Observation => o !== undefined);
  const encounter = encounterId(scope, visit, type === 'discharge' ? 'discharge' : undefined, pv1);

  // EVN-2 (when the event was recorded), else EVN-6 (when it occurred), else the visit's own time.
  const recorded = evn ? dateTime(ctx, evn, 2) : undefined;
  const occurred = evn ? dateTime(ctx, evn, 6) : undefined;
  const visitTime = type === 'discharge' ? visit.info?.dischargeTime : type === 'admission' ? visit.info?.admitTime : undefined;
  const timestamp = eventTime(scope, recorded, occurred, visitTime);
  if (!patient) return;

  const payload: AdtPayload = {
    trigger: header.trigger,
    patient: patient.info,
    ...(visit.info ? { encounter: visit.info } : {}),
    diagnoses,
    coverage,
    ...(observations.length > 0 ? { observations } : {}),
    source: sourceInfo(header),
  };
  emit(scope, type, patientId(scope, patient), encounter, timestamp, payload);
}
