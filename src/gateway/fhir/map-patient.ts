// Patient: a registration_update (the FHIR counterpart of ADT^A08). A Patient carries no clinical
// time, so the event time is meta.lastUpdated, which is then required.
import type { AdtPayload } from '../../event/payloads.ts';
import { readPatient } from './patient.ts';
import { emit, eventTime, sourceInfo, type ResourceContext } from './scope.ts';

export function mapPatient(ctx: ResourceContext): void {
  const patient = readPatient(ctx.root);
  const timestamp = eventTime(ctx, [], 'meta.lastUpdated', 'meta.lastUpdated is required: a Patient has no clinical time to date its event');
  if (!patient) return;
  const payload: AdtPayload = { trigger: 'FHIR:Patient', patient: patient.info, diagnoses: [], coverage: [], source: sourceInfo(ctx) };
  emit(ctx, 'registration_update', patient, null, timestamp, payload);
}
