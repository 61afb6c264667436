// Patient to PatientInfo, and the identifier patient_id is derived from: the first current
// identifier of type MR (medical record number), else the first current identifier.
import type { Identifier, PatientInfo } from '../../event/payloads.ts';
import { codeIn, IDENTIFIER_TYPE_SYSTEM } from './codes.ts';
import { date } from './datetime.ts';
import type { FhirNode } from './node.ts';

export interface IdentifierKey {
  value: string;
  authority?: string;
}

export interface PatientSection {
  info: PatientInfo;
  /** The identifier patient_id is keyed on. */
  key: IdentifierKey;
}

const SEX = new Set(['male', 'female', 'other', 'unknown']);

/** A FHIR Identifier: its system is the authority, its type the v2 table 0203 code (MR, VN, ...). */
export function readIdentifier(node: FhirNode): Identifier | undefined {
  const value = node.str('value');
  if (value === undefined) return undefined;
  const id: Identifier = { value };
  const system = node.str('system');
  if (system !== undefined) id.authority = system;
  const typeNode = node.obj('type');
  const type = codeIn(typeNode, IDENTIFIER_TYPE_SYSTEM) ?? typeNode?.str('text');
  if (type !== undefined) id.type = type;
  return id;
}

/** The identifier of the given type among those not marked old, else the first of those. */
export function pickIdentifier(nodes: readonly FhirNode[], type: string): Identifier | undefined {
  const current = nodes
    .filter((n) => n.str('use') !== 'old')
    .map(readIdentifier)
    .filter((i): i is Identifier => i !== undefined);
  return current.find((i) => i.type?.toUpperCase() === type) ?? current[0];
}

export function keyOf(id: Identifier): IdentifierKey {
  return id.authority === undefined ? { value: id.value } : { value: id.value, authority: id.authority };
}

/** Undefined when the Patient has no usable identifier (the issue is recorded). */
export function readPatient(node: FhirNode): PatientSection | undefined {
  const nodes = node.arr('identifier');
  const identifiers = nodes.map(readIdentifier).filter((i): i is Identifier => i !== undefined);
  const key = pickIdentifier(nodes, 'MR');
  const info: PatientInfo = { identifiers };
  const name = readName(node);
  if (name) info.name = name;
  const birthDate = date(node, 'birthDate');
  if (birthDate !== undefined) info.birthDate = birthDate;
  const gender = node.str('gender');
  if (gender !== undefined) {
    if (SEX.has(gender)) info.sex = gender as NonNullable<PatientInfo['sex']>;
    else node.issue('value', 'must be male, female, other or unknown', 'gender');
  }
  if (!key) {
    node.issue('required', 'a Patient needs an identifier with a value (patient_id is derived from it)', 'identifier');
    return undefined;
  }
  return { info, key: keyOf(key) };
}

function readName(node: FhirNode): PatientInfo['name'] | undefined {
  const names = node.arr('name');
  // The official name when the sender marks one, else the usual one, else the first sent.
  const chosen = names.find((n) => n.str('use') === 'official') ?? names.find((n) => n.str('use') === 'usual') ?? names[0];
  if (!chosen) return undefined;
  const family = chosen.str('family');
  const given = chosen.strs('given');
  if (family === undefined && given.length === 0) return undefined;
  const name: NonNullable<PatientInfo['name']> = {};
  if (family !== undefined) name.family = family;
  if (given.length > 0) name.given = given;
  return name;
}
