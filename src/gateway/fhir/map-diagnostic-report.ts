// DiagnosticReport: one lab_result with every Observation of its `result`, each resolved from the
// report's `contained` or from the same Bundle. A result that does not resolve refuses the report:
// a report sent without some of its results would read as complete when it is not.
import type { LabResultPayload, Observation } from '../../event/payloads.ts';
import { SYSTEM } from '../../event/payloads.ts';
import { preferredCoding } from './codes.ts';
import { dateTime } from './datetime.ts';
import { OBSERVATION_STATUS, readObservations } from './observation.ts';
import { basedOnPlacer, ownOrderNumbers } from './order-ref.ts';
import { emit, eventTime, referencedEncounter, sourceInfo, subjectPatient, type ResourceContext } from './scope.ts';

/** FHIR diagnostic-report-status to HL7 table 0123 result status. */
const REPORT_STATUS: Record<string, string> = { ...OBSERVATION_STATUS, partial: 'P', appended: 'C' };

export function mapDiagnosticReport(ctx: ResourceContext): void {
  const { root, scope } = ctx;
  const patient = subjectPatient(ctx);
  const encounter = referencedEncounter(ctx, undefined);
  const statusText = root.str('status');
  const status = statusText === undefined ? undefined : REPORT_STATUS[statusText];
  if (statusText === undefined) root.issue('required', 'status is required', 'status');
  else if (status === undefined) root.issue('value', `status must be one of ${Object.keys(REPORT_STATUS).join(', ')}`, 'status');

  const observations: Observation[] = [];
  for (const ref of root.arr('result')) {
    const reference = ref.str('reference');
    if (reference === undefined) {
      ref.issue('required', 'must have a reference to an Observation');
      continue;
    }
    const resolved = scope.index.resolve(reference, root);
    if (!resolved) {
      ref.issue('not-found', 'must resolve to an Observation contained in the report or in the same Bundle');
    } else if (resolved.node.resourceType !== 'Observation') {
      ref.issue('invalid', 'must reference an Observation');
    } else {
      observations.push(...(readObservations(resolved.node) ?? []));
      ctx.related.push(resolved.node);
    }
  }

  const issued = dateTime(root, 'issued');
  const effective = dateTime(root, 'effectiveDateTime') ?? dateTime(root.obj('effectivePeriod'), 'start');
  const timestamp = eventTime(ctx, [effective, issued], 'effective', 'effective[x], issued or meta.lastUpdated is required (the event time)');
  if (!patient || status === undefined) return;

  const order: LabResultPayload['order'] = ownOrderNumbers(root);
  const placer = basedOnPlacer(ctx);
  if (placer !== undefined) order.placerNumber = placer;
  const code = preferredCoding(root.obj('code'), [SYSTEM.loinc]);
  if (code) order.code = code;
  const payload: LabResultPayload = {
    patient: patient.info,
    ...(encounter.info ? { encounter: encounter.info } : {}),
    order,
    observations,
    reportStatus: status,
    source: sourceInfo(ctx),
  };
  if (issued !== undefined) payload.resultTime = issued;
  emit(ctx, 'lab_result', patient, encounter.id, timestamp, payload);
}
