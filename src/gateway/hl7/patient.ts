// PID to PatientInfo, and the identifier that patient_id is derived from: the first medical record
// number (CX.5 = MR) among the PID-3 repetitions, else the first identifier sent.
import type { Identifier, PatientInfo } from '../../event/payloads.ts';
import { hl7Date } from './datetime.ts';
import { addIssue, repetitions, text, type MapContext } from './context.ts';
import { HL7_ERROR } from './errors.ts';
import type { Segment } from './message.ts';

export interface PatientSection {
  info: PatientInfo;
  /** The identifier patient_id is keyed on. */
  key: { value: string; authority?: string };
}

const SEX: Record<string, PatientInfo['sex']> = {
  M: 'male',
  F: 'female',
  O: 'other',
  // Table 0001: A ambiguous, N not applicable; X is used by many sites for non-binary.
  A: 'other',
  X: 'other',
  U: 'unknown',
  N: 'unknown',
};

/** Undefined when PID-3 has no identifier (the issue is recorded). */
export function readPatient(ctx: MapContext, pid: Segment): PatientSection | undefined {
  const identifiers = readIdentifiers(ctx, pid);
  const key = identifiers.find((id) => id.type?.toUpperCase() === 'MR') ?? identifiers[0];
  if (!key) {
    addIssue(ctx, pid, 3, HL7_ERROR.requiredFieldMissing, 'patient identifier list must hold at least one identifier (CX.1)');
    return undefined;
  }
  const info: PatientInfo = { identifiers };
  const name = readName(ctx, pid);
  if (name) info.name = name;
  const dob = text(ctx, pid, 7);
  if (dob !== undefined) {
    const date = hl7Date(dob);
    if (date === undefined) addIssue(ctx, pid, 7, HL7_ERROR.dataType, 'birth date must be an HL7 date: YYYY[MM[DD]]');
    else info.birthDate = date;
  }
  const sex = text(ctx, pid, 8);
  if (sex !== undefined) info.sex = SEX[sex.toUpperCase()] ?? 'unknown';
  return { info, key: key.authority === undefined ? { value: key.value } : { value: key.value, authority: key.authority } };
}

function readIdentifiers(ctx: MapContext, pid: Segment): Identifier[] {
  const out: Identifier[] = [];
  const count = repetitions(pid, 3);
  for (let rep = 0; rep < count; rep++) {
    const value = text(ctx, pid, 3, 1, rep);
    if (value === undefined) continue;
    const id: Identifier = { value };
    // CX.4 is a HD: its namespace id, else its universal id (an OID).
    const authority = text(ctx, pid, 3, 4, rep, 0) ?? text(ctx, pid, 3, 4, rep, 1);
    if (authority !== undefined) id.authority = authority;
    const type = text(ctx, pid, 3, 5, rep);
    if (type !== undefined) id.type = type;
    out.push(id);
  }
  return out;
}

function readName(ctx: MapContext, pid: Segment): PatientInfo['name'] | undefined {
  const count = repetitions(pid, 5);
  // The legal name (XPN.7 = L) when the sender marks one, else the first name sent.
  let rep = 0;
  for (let r = 0; r < count; r++) {
    if (text(ctx, pid, 5, 7, r)?.toUpperCase() === 'L') {
      rep = r;
      break;
    }
  }
  const family = text(ctx, pid, 5, 1, rep);
  const given = [text(ctx, pid, 5, 2, rep), text(ctx, pid, 5, 3, rep)].filter((g): g is string => g !== undefined);
  if (family === undefined && given.length === 0) return undefined;
  const name: NonNullable<PatientInfo['name']> = {};
  if (family !== undefined) name.family = family;
  if (given.length > 0) name.given = given;
  return name;
}
