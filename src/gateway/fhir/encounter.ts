// Encounter to EncounterInfo: visit number (the identifier encounter_id is derived from: type VN,
// else the first current one), class, period, locations, disposition and attending. Also what a
// transfer needs: FHIR has no transfer message, only the location history of the Encounter.
import type { Diagnosis, EncounterClass, EncounterInfo, Location } from '../../event/payloads.ts';
import { SYSTEM } from '../../event/payloads.ts';
import { codeIn, preferredCoding } from './codes.ts';
import { dateTime } from './datetime.ts';
import type { FhirNode } from './node.ts';
import { keyOf, pickIdentifier, type IdentifierKey } from './patient.ts';
import type { MapScope } from './scope.ts';

// v3 ActCode encounter classes (Encounter.class is a Coding in R4).
const CLASS: Record<string, EncounterClass> = {
  IMP: 'inpatient',
  ACUTE: 'inpatient',
  NONAC: 'inpatient',
  EMER: 'emergency',
  AMB: 'outpatient',
  OBSENC: 'observation',
  PRENC: 'preadmit',
};

// Location.physicalType codes: which part of the payload's Location a Location resource names.
const LOCATION_PART: Record<string, keyof Location> = { bd: 'bed', ro: 'room', si: 'facility', bu: 'facility' };
const PART_OF_DEPTH = 5;

// Encounter.diagnosis.use (diagnosis-role) to DG1-6 diagnosis type.
const DIAGNOSIS_TYPE: Record<string, string> = { AD: 'A', DD: 'F' };

export interface EncounterSection {
  info: EncounterInfo;
  /** The identifier encounter_id is keyed on. */
  visit?: IdentifierKey;
  /**
   * Set when the location history shows a move: a completed previous location. The time is the
   * current location's start, else the previous one's end.
   */
  transfer?: { time?: string };
}

export function readEncounter(scope: MapScope, node: FhirNode): EncounterSection {
  const info: EncounterInfo = {};
  const visit = pickIdentifier(node.arr('identifier'), 'VN');
  if (visit) info.visitNumber = visit.value;
  const cls = codeIn(node.obj('class'));
  if (cls !== undefined) info.class = CLASS[cls.toUpperCase()] ?? 'other';
  const period = node.obj('period');
  const admit = dateTime(period, 'start');
  if (admit !== undefined) info.admitTime = admit;
  const discharge = dateTime(period, 'end');
  if (discharge !== undefined) info.dischargeTime = discharge;
  const disposition = codeIn(node.obj('hospitalization')?.obj('dischargeDisposition'));
  if (disposition !== undefined) info.dischargeDisposition = disposition;
  const attending = node.arr('participant').find((p) => p.arr('type').some((t) => codeIn(t)?.toUpperCase() === 'ATND'));
  const attendingId = attending && reference(attending.obj('individual'));
  if (attendingId !== undefined) info.attendingProviderId = attendingId;

  const section: EncounterSection = { info };
  if (visit) section.visit = keyOf(visit);

  const stays = node.arr('location').map((l) => {
    const p = l.obj('period');
    return { status: l.str('status'), location: readLocation(scope, node, l.obj('location')), start: dateTime(p, 'start'), end: dateTime(p, 'end') };
  });
  // The completed stay that ended last (list order breaks ties): where a finished encounter ended,
  // and for one still going on, the location the patient was moved from.
  let lastCompleted: (typeof stays)[number] | undefined;
  for (const s of stays) if (s.status === 'completed' && (!lastCompleted || (s.end ?? '') >= (lastCompleted.end ?? ''))) lastCompleted = s;
  const finished = node.str('status') === 'finished';
  const current = finished ? lastCompleted : (stays.findLast((s) => s.status === 'active') ?? stays.findLast((s) => s.status === undefined));
  const prior = finished ? undefined : lastCompleted;
  if (current?.location) info.location = current.location;
  if (prior) {
    if (prior.location) info.priorLocation = prior.location;
    const time = current?.start ?? prior.end;
    section.transfer = time === undefined ? {} : { time };
  }
  return section;
}

/** A reference as an id: its identifier's value, else the literal reference (Practitioner/123). */
function reference(ref: FhirNode | undefined): string | undefined {
  return ref?.obj('identifier')?.str('value') ?? ref?.str('reference');
}

/**
 * A Location reference: resolved (in the Bundle or contained) it fills bed, room, unit and facility
 * from the Location and its partOf chain by physicalType; unresolved, its display is the unit.
 */
function readLocation(scope: MapScope, container: FhirNode, ref: FhirNode | undefined): Location | undefined {
  if (!ref) return undefined;
  const loc: Location = {};
  let next = ref.str('reference');
  for (let depth = 0; next !== undefined && depth < PART_OF_DEPTH; depth++) {
    const resolved = scope.index.resolve(next, container);
    if (!resolved || resolved.node.resourceType !== 'Location') break;
    const node = resolved.node;
    const name = node.str('name') ?? node.arr('identifier')[0]?.str('value');
    const part = LOCATION_PART[codeIn(node.obj('physicalType'))?.toLowerCase() ?? ''] ?? 'pointOfCare';
    if (name !== undefined && loc[part] === undefined) loc[part] = name;
    next = node.obj('partOf')?.str('reference');
  }
  if (Object.keys(loc).length === 0) {
    const label = ref.str('display') ?? ref.obj('identifier')?.str('value');
    if (label !== undefined) loc.pointOfCare = label;
  }
  return Object.keys(loc).length > 0 ? loc : undefined;
}

/**
 * Encounter.diagnosis conditions that resolve (in the Bundle or contained) to a coded Condition.
 * Others are left out: a diagnosis is context for the event, not what routes it.
 */
export function readEncounterDiagnoses(scope: MapScope, node: FhirNode): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const d of node.arr('diagnosis')) {
    const ref = d.obj('condition')?.str('reference');
    const resolved = ref === undefined ? undefined : scope.index.resolve(ref, node);
    if (!resolved || resolved.node.resourceType !== 'Condition') continue;
    const code = preferredCoding(resolved.node.obj('code'), [SYSTEM.icd10cm, SYSTEM.snomed]);
    if (!code) continue;
    const diagnosis: Diagnosis = { code };
    const type = DIAGNOSIS_TYPE[codeIn(d.obj('use'))?.toUpperCase() ?? ''];
    if (type !== undefined) diagnosis.type = type;
    const recorded = dateTime(resolved.node, 'recordedDate');
    if (recorded !== undefined) diagnosis.recordedAt = recorded;
    out.push(diagnosis);
  }
  return out;
}
