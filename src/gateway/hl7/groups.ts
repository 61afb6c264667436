// Splits order and result messages into their groups: a patient (PID, PV1, IN1, DG1) and, under it,
// orders that start at ORC (or at an OBR with no ORC of its own) and collect the segments that
// follow (OBR, TQ1, RXO, RXE, RXR, OBX, DG1). Segments the mapper does not use (NTE, PD1, PV2, SPM,
// Z-segments...) are skipped.
import { addIssue, type MapContext } from './context.ts';
import { HL7_ERROR } from './errors.ts';
import type { Segment } from './message.ts';

export interface PatientGroup {
  pid: Segment;
  pv1?: Segment;
  in1: Segment[];
  /** DG1s that precede the first order (ADT-style, patient level). */
  dg1: Segment[];
}

export interface OrderGroup {
  patient: PatientGroup;
  orc?: Segment;
  obr?: Segment;
  rxo?: Segment;
  rxe?: Segment;
  tq1: Segment[];
  /** RXRs after RXE (the encoded route) come before any that followed RXO. */
  rxr: Segment[];
  obx: Segment[];
  dg1: Segment[];
}

export type GroupLayout = 'result' | 'order';

/**
 * Result messages (ORU) may hold several patients, each with its orders. Order messages (ORM, OML,
 * RDE) hold one patient; a PID after an order would start an OML prior-result group, which cannot be
 * told apart from a new order, so it is refused rather than guessed at.
 */
export function orderGroups(ctx: MapContext, segments: readonly Segment[], layout: GroupLayout): OrderGroup[] {
  const groups: OrderGroup[] = [];
  let patient: PatientGroup | undefined;
  let current: OrderGroup | undefined;
  let rxrAfterRxe = 0;

  const open = (seg: Segment): OrderGroup | undefined => {
    if (!patient) {
      addIssue(ctx, seg, undefined, HL7_ERROR.segmentSequence, 'a PID segment must precede the first order');
      return undefined;
    }
    const group: OrderGroup = { patient, tq1: [], rxr: [], obx: [], dg1: [] };
    groups.push(group);
    rxrAfterRxe = 0;
    return group;
  };

  for (const seg of segments) {
    switch (seg.name) {
      case 'PID':
        if (patient && (layout === 'order' || !current)) {
          addIssue(ctx, seg, undefined, HL7_ERROR.segmentSequence, 'only one PID is allowed here (prior-result groups are not supported)');
          return groups;
        }
        patient = { pid: seg, in1: [], dg1: [] };
        current = undefined;
        break;
      case 'PV1':
        if (!patient || current || patient.pv1) {
          addIssue(ctx, seg, undefined, HL7_ERROR.segmentSequence, 'PV1 must follow PID, once, before any order');
        } else {
          patient.pv1 = seg;
        }
        break;
      case 'IN1':
        if (!patient || current) addIssue(ctx, seg, undefined, HL7_ERROR.segmentSequence, 'IN1 must follow PID, before any order');
        else patient.in1.push(seg);
        break;
      case 'DG1':
        if (current) current.dg1.push(seg);
        else if (patient) patient.dg1.push(seg);
        else addIssue(ctx, seg, undefined, HL7_ERROR.segmentSequence, 'DG1 must follow PID');
        break;
      case 'ORC':
        current = open(seg);
        if (current) current.orc = seg;
        break;
      case 'OBR':
        // An OBR joins the ORC just before it; otherwise it starts an order of its own.
        if (!current || current.obr || current.rxe || !current.orc) current = open(seg);
        if (current) current.obr = seg;
        break;
      case 'RXO':
      case 'RXE':
      case 'TQ1':
      case 'RXR':
      case 'OBX':
        if (!current) {
          addIssue(ctx, seg, undefined, HL7_ERROR.segmentSequence, `${seg.name} must belong to an order (after ORC or OBR)`);
        } else if (seg.name === 'RXO') {
          current.rxo ??= seg;
        } else if (seg.name === 'RXE') {
          current.rxe ??= seg;
        } else if (seg.name === 'TQ1') {
          current.tq1.push(seg);
        } else if (seg.name === 'OBX') {
          current.obx.push(seg);
        } else if (current.rxe) {
          current.rxr.splice(rxrAfterRxe++, 0, seg);
        } else {
          current.rxr.push(seg);
        }
        break;
      default:
        break;
    }
  }
  if (!patient && groups.length === 0) {
    addIssue(ctx, 'PID', undefined, HL7_ERROR.segmentSequence, 'a PID segment is required');
  }
  return groups;
}
