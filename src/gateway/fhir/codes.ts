// CodeableConcepts to the payload's Codings, whose system is always a URI. A coding sent without a
// system gets the FHIR intake's local system, so that a bare code never passes for a standard one.
import type { Coding } from '../../event/payloads.ts';
import type { FhirNode } from './node.ts';

export const LOCAL_SYSTEM = 'urn:vigil:local:fhir';

/** HL7 v2 table 0203, identifier type (MR, VN, PLAC, FILL...), as FHIR names it. */
export const IDENTIFIER_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0203';

/** Every coding of a CodeableConcept that has a code. */
export function codings(concept: FhirNode | undefined): Coding[] {
  if (!concept) return [];
  const out: Coding[] = [];
  for (const c of concept.arr('coding')) {
    const code = c.str('code');
    if (code === undefined) continue;
    const coding: Coding = { system: c.str('system') ?? LOCAL_SYSTEM, code };
    const display = c.str('display');
    if (display !== undefined) coding.display = display;
    out.push(coding);
  }
  return out;
}

/**
 * The coding to carry: the first in the most preferred system, else the first in any named
 * system, else the first. Without a display of its own it takes the concept's text.
 */
export function preferredCoding(concept: FhirNode | undefined, preferred: readonly string[] = []): Coding | undefined {
  const all = codings(concept);
  const pick =
    preferred.map((system) => all.find((c) => c.system === system)).find((c) => c !== undefined) ??
    all.find((c) => c.system !== LOCAL_SYSTEM) ??
    all[0];
  if (!pick) return undefined;
  const text = concept?.str('text');
  return pick.display === undefined && text !== undefined ? { ...pick, display: text } : pick;
}

/** The code of a Coding element (Encounter.class), or of a CodeableConcept's codings in `system` first. */
export function codeIn(concept: FhirNode | undefined, system?: string): string | undefined {
  if (!concept) return undefined;
  if (concept.has('code')) return concept.str('code');
  const all = codings(concept);
  return (all.find((c) => c.system === system) ?? all[0])?.code;
}
