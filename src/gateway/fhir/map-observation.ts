// Observation: a lab_result holding that one observation (and its components), dated when it was
// observed (effective[x]), else issued, else meta.lastUpdated.
import type { LabResultPayload } from '../../event/payloads.ts';
import { dateTime } from './datetime.ts';
import { effectiveTime, readObservations } from './observation.ts';
import { basedOnPlacer, ownOrderNumbers } from './order-ref.ts';
import { emit, eventTime, referencedEncounter, sourceInfo, subjectPatient, type ResourceContext } from './scope.ts';

export function mapObservation(ctx: ResourceContext): void {
  const { root } = ctx;
  const patient = subjectPatient(ctx);
  const encounter = referencedEncounter(ctx, undefined);
  const observations = readObservations(root);
  const issued = dateTime(root, 'issued');
  const timestamp = eventTime(ctx, [effectiveTime(root), issued], 'effective', 'effective[x], issued or meta.lastUpdated is required (the event time)');
  if (!patient || !observations) return;

  const order: LabResultPayload['order'] = ownOrderNumbers(root);
  const placer = basedOnPlacer(ctx);
  if (placer !== undefined) order.placerNumber = placer;
  const payload: LabResultPayload = {
    patient: patient.info,
    ...(encounter.info ? { encounter: encounter.info } : {}),
    order,
    observations,
    source: sourceInfo(ctx),
  };
  if (observations[0]) payload.reportStatus = observations[0].status;
  if (issued !== undefined) payload.resultTime = issued;
  emit(ctx, 'lab_result', patient, encounter.id, timestamp, payload);
}
