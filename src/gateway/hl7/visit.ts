// PV1 to EncounterInfo, and the visit number (PV1-19) that encounter_id is derived from.
import type { EncounterClass, EncounterInfo, Location } from '../../event/payloads.ts';
import { dateTime, text, type MapContext } from './context.ts';
import type { Segment } from './message.ts';

export interface VisitSection {
  info?: EncounterInfo;
  visitNumber?: { value: string; authority?: string };
}

// Table 0004 patient class. B and R are sent for observation stays by many sites; OBS by others.
const CLASS: Record<string, EncounterClass> = {
  I: 'inpatient',
  O: 'outpatient',
  E: 'emergency',
  B: 'observation',
  R: 'observation',
  OBS: 'observation',
  P: 'preadmit',
};

export function readVisit(ctx: MapContext, pv1: Segment | undefined): VisitSection {
  if (!pv1) return {};
  const info: EncounterInfo = {};
  const visit = text(ctx, pv1, 19);
  if (visit !== undefined) info.visitNumber = visit;
  const patientClass = text(ctx, pv1, 2);
  if (patientClass !== undefined) info.class = CLASS[patientClass.toUpperCase()] ?? 'other';
  const location = readLocation(ctx, pv1, 3);
  if (location) info.location = location;
  const prior = readLocation(ctx, pv1, 6);
  if (prior) info.priorLocation = prior;
  const admissionType = text(ctx, pv1, 4);
  if (admissionType !== undefined) info.admissionType = admissionType;
  const admit = dateTime(ctx, pv1, 44);
  if (admit !== undefined) info.admitTime = admit;
  const discharge = dateTime(ctx, pv1, 45);
  if (discharge !== undefined) info.dischargeTime = discharge;
  const disposition = text(ctx, pv1, 36);
  if (disposition !== undefined) info.dischargeDisposition = disposition;
  const attending = text(ctx, pv1, 7);
  if (attending !== undefined) info.attendingProviderId = attending;

  const section: VisitSection = {};
  if (Object.keys(info).length > 0) section.info = info;
  if (visit !== undefined) {
    const authority = text(ctx, pv1, 19, 4, 0, 0) ?? text(ctx, pv1, 19, 4, 0, 1);
    section.visitNumber = authority === undefined ? { value: visit } : { value: visit, authority };
  }
  return section;
}

/** A PL field: point of care, room, bed, facility (its namespace id). */
function readLocation(ctx: MapContext, seg: Segment, field: number): Location | undefined {
  const loc: Location = {};
  const pointOfCare = text(ctx, seg, field, 1);
  if (pointOfCare !== undefined) loc.pointOfCare = pointOfCare;
  const room = text(ctx, seg, field, 2);
  if (room !== undefined) loc.room = room;
  const bed = text(ctx, seg, field, 3);
  if (bed !== undefined) loc.bed = bed;
  const facility = text(ctx, seg, field, 4, 0, 0) ?? text(ctx, seg, field, 4, 0, 1);
  if (facility !== undefined) loc.facility = facility;
  return Object.keys(loc).length > 0 ? loc : undefined;
}
