// Coded elements (CE/CWE/CNE) to Codings whose system is a URI. HL7 senders name systems with table
// 0396 mnemonics (LN, C4, I10, RXNORM...) or private ones (99xxx, L): the latter become the sending
// facility's local system, so that a local code never passes for a standard one.
import type { Coding } from '../../event/payloads.ts';
import { SYSTEM } from '../../event/payloads.ts';
import { text, type MapContext } from './context.ts';
import type { Segment } from './message.ts';

const ICD9CM = 'http://hl7.org/fhir/sid/icd-9-cm';
const ICD10PCS = 'http://www.cms.gov/Medicare/Coding/ICD10';

// Keys upper-case: senders vary the case (RxNorm, RXNORM).
const KNOWN_SYSTEMS: Record<string, string> = {
  LN: SYSTEM.loinc,
  LOINC: SYSTEM.loinc,
  RXNORM: SYSTEM.rxnorm,
  NDC: SYSTEM.ndc,
  C4: SYSTEM.cpt,
  CPT: SYSTEM.cpt,
  CPT4: SYSTEM.cpt,
  'CPT-4': SYSTEM.cpt,
  HCPCS: SYSTEM.hcpcs,
  HCPT: SYSTEM.hcpcs,
  I10: SYSTEM.icd10cm,
  I10C: SYSTEM.icd10cm,
  ICD10: SYSTEM.icd10cm,
  ICD10CM: SYSTEM.icd10cm,
  'ICD-10-CM': SYSTEM.icd10cm,
  I10P: ICD10PCS,
  I9: ICD9CM,
  I9C: ICD9CM,
  I9CDX: ICD9CM,
  ICD9: ICD9CM,
  SCT: SYSTEM.snomed,
  SNM: SYSTEM.snomed,
  SNOMED: SYSTEM.snomed,
  SNOMEDCT: SYSTEM.snomed,
  UCUM: SYSTEM.ucum,
};

const HL7_TABLE = /^HL7(\d{4})$/;

/** The URI of a code system named in HL7; unknown and private names are the sender's local system. */
export function codeSystem(ctx: MapContext, name: string | undefined): string {
  if (name === undefined) return ctx.localSystem;
  const upper = name.toUpperCase();
  const known = KNOWN_SYSTEMS[upper];
  if (known) return known;
  const table = HL7_TABLE.exec(upper);
  if (table) return `http://terminology.hl7.org/CodeSystem/v2-${table[1]}`;
  return ctx.localSystem;
}

export function isLocalSystem(ctx: MapContext, system: string): boolean {
  return system === ctx.localSystem;
}

export interface CodingOptions {
  /** System to assume when the sender names none (e.g. HL7 table 0162 for RXR-1 routes). */
  defaultSystem?: string;
  rep?: number;
}

/**
 * A coded element at seg-field: its identifier triplet (components 1-3), or its alternate triplet
 * (4-6) when only that one is in a standard system, as when a local lab code carries its LOINC.
 */
export function coding(ctx: MapContext, seg: Segment, field: number, opts: CodingOptions = {}): Coding | undefined {
  const rep = opts.rep ?? 0;
  const primary = triplet(ctx, seg, field, 1, rep, opts.defaultSystem);
  const alternate = triplet(ctx, seg, field, 4, rep, undefined);
  if (primary && !isLocalSystem(ctx, primary.system)) return primary;
  if (alternate && !isLocalSystem(ctx, alternate.system)) {
    return primary?.display && !alternate.display ? { ...alternate, display: primary.display } : alternate;
  }
  return primary ?? alternate;
}

function triplet(ctx: MapContext, seg: Segment, field: number, first: number, rep: number, defaultSystem: string | undefined): Coding | undefined {
  const code = text(ctx, seg, field, first, rep);
  if (code === undefined) return undefined;
  const name = text(ctx, seg, field, first + 2, rep);
  const system = name === undefined && defaultSystem !== undefined ? defaultSystem : codeSystem(ctx, name);
  const display = text(ctx, seg, field, first + 1, rep);
  return display === undefined ? { system, code } : { system, code, display };
}

/** Every repetition of a coded field that has a code. */
export function codings(ctx: MapContext, seg: Segment, field: number, count: number): Coding[] {
  const out: Coding[] = [];
  for (let rep = 0; rep < count; rep++) {
    const c = coding(ctx, seg, field, { rep });
    if (c) out.push(c);
  }
  return out;
}
