// The human-readable side of the summary: FHIR narrative (xhtml) and the words for codes and times.
// Everything here holds patient data: it goes into the document only, never a log.
import { SYSTEM } from '../../event/payloads.ts';
import type { Coding } from '../../event/payloads.ts';

const SYSTEM_NAMES: Record<string, string> = {
  [SYSTEM.loinc]: 'LOINC',
  [SYSTEM.rxnorm]: 'RxNorm',
  [SYSTEM.icd10cm]: 'ICD-10-CM',
  [SYSTEM.cpt]: 'CPT',
  [SYSTEM.hcpcs]: 'HCPCS',
  [SYSTEM.snomed]: 'SNOMED CT',
  [SYSTEM.ndc]: 'NDC',
};

export function escapeXhtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** "Potassium (LOINC 2823-3)", or "LOINC 2823-3" when the sender gave no display. */
export function codeText(c: Coding): string {
  const ref = `${SYSTEM_NAMES[c.system] ?? c.system} ${c.code}`;
  return c.display ? `${c.display} (${ref})` : ref;
}

/** "2026-11-26 09:00 UTC". */
export function when(iso: string): string {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : `${t.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A section's narrative: its lines as a list, or what to say when there are none. */
export function narrative(lines: string[], none: string): string {
  const body = lines.length > 0 ? `<ul>${lines.map((l) => `<li>${escapeXhtml(l)}</li>`).join('')}</ul>` : `<p>${escapeXhtml(none)}</p>`;
  return `<div xmlns="http://www.w3.org/1999/xhtml">${body}</div>`;
}
