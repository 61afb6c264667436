// Encounter: a FHIR Encounter is a state, not a message, so the event is read from its status.
//   arrived, triaged, in-progress -> admission (dated period.start)
//   in-progress with a completed previous location -> transfer (dated by the location history)
//   finished -> discharge (dated period.end, which is then required)
// Other states (planned, onleave, cancelled, entered-in-error, unknown) are refused as not supported
// rather than dropped. Each new version of an in-progress Encounter whose history shows a move is
// reported as a transfer again; consumers see the same locations and can tell it is no new move.
import type { EventType } from '../../event/envelope.ts';
import type { AdtPayload } from '../../event/payloads.ts';
import { readEncounter, readEncounterDiagnoses } from './encounter.ts';
import { emit, eventTime, sourceInfo, subjectPatient, type ResourceContext } from './scope.ts';

const PRESENT = new Set(['arrived', 'triaged', 'in-progress']);

export function mapEncounter(ctx: ResourceContext): void {
  const { root, scope } = ctx;
  const encounter = readEncounter(scope, root);
  const patient = subjectPatient(ctx);
  const status = root.str('status');
  let type: EventType | undefined;
  if (status === undefined) root.issue('required', 'status is required', 'status');
  else if (status === 'finished') type = 'discharge';
  else if (PRESENT.has(status)) type = status === 'in-progress' && encounter.transfer ? 'transfer' : 'admission';
  else root.issue('not-supported', 'status must be arrived, triaged, in-progress or finished: other states carry no ADT event', 'status');

  let timestamp: string | undefined;
  if (type === 'discharge') {
    timestamp = encounter.info.dischargeTime;
    if (timestamp === undefined) root.issue('required', 'period.end is required for a finished Encounter (the discharge time)', 'period.end');
    if (!encounter.visit) root.issue('required', 'an identifier (visit number) is required for a finished Encounter: discharges are keyed by encounter_id', 'identifier');
  } else if (type === 'transfer') {
    timestamp = eventTime(ctx, [encounter.transfer?.time], 'location.period', 'a location period, or meta.lastUpdated, is required to date a transfer');
  } else if (type === 'admission') {
    timestamp = eventTime(ctx, [encounter.info.admitTime], 'period.start', 'period.start or meta.lastUpdated is required (the admission time)');
  }
  if (type === undefined || !patient) return;

  const encounterId = encounter.visit ? scope.options.encounterKey(encounter.visit.value, encounter.visit.authority) : null;
  const payload: AdtPayload = {
    trigger: 'FHIR:Encounter',
    patient: patient.info,
    encounter: encounter.info,
    diagnoses: readEncounterDiagnoses(scope, root),
    coverage: [],
    source: sourceInfo(ctx),
  };
  emit(ctx, type, patient, encounterId, timestamp, payload);
}
