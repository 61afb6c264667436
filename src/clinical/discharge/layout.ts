// The discharge summary's document layout, read from clinical/discharge-summary.json: the LOINC
// document type, the sections in order with their LOINC section codes, and which order code
// systems are procedures. Checked on load so a bad file fails at start, naming the field.
import { join } from 'node:path';
import { readJsonData } from '../data-file.ts';

export const SECTION_KEYS = ['admission', 'diagnoses', 'results', 'medications', 'procedures', 'alerts', 'care-gaps', 'follow-up'] as const;
export type SectionKey = (typeof SECTION_KEYS)[number];

export interface SectionLayout {
  key: SectionKey;
  title: string;
  code: string;
  display: string;
}

export interface DischargeLayout {
  name: string;
  revision: number;
  document: { system: string; code: string; display: string };
  sections: SectionLayout[];
  procedureCodeSystems: string[];
}

export const DEFAULT_LAYOUT_PATH = join(import.meta.dirname, '..', '..', '..', 'clinical', 'discharge-summary.json');

export class DischargeLayoutError extends Error {
  constructor(path: string, problem: string) {
    super(`discharge summary layout ${path}: ${problem}`);
    this.name = 'DischargeLayoutError';
  }
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

export function loadDischargeLayout(path = DEFAULT_LAYOUT_PATH): DischargeLayout {
  const fail = (problem: string) => new DischargeLayoutError(path, problem);
  const raw = readJsonData(path, fail) as Record<string, unknown>;
  const doc = raw.document as Record<string, unknown> | undefined;
  if (!isText(raw.name)) throw fail('name must be a non-empty string');
  if (!Number.isInteger(raw.revision)) throw fail('revision must be an integer');
  if (!doc || !isText(doc.system) || !isText(doc.code) || !isText(doc.display)) throw fail('document must have system, code and display');
  if (!Array.isArray(raw.sections)) throw fail('sections must be a list');
  const sections = raw.sections.map((s: Record<string, unknown>, i): SectionLayout => {
    if (!SECTION_KEYS.includes(s.key as SectionKey)) throw fail(`sections[${i}].key must be one of ${SECTION_KEYS.join(', ')}`);
    for (const field of ['title', 'code', 'display']) if (!isText(s[field])) throw fail(`sections[${i}].${field} must be a non-empty string`);
    return { key: s.key as SectionKey, title: s.title as string, code: s.code as string, display: s.display as string };
  });
  const missing = SECTION_KEYS.filter((k) => !sections.some((s) => s.key === k));
  if (missing.length > 0) throw fail(`sections lacks ${missing.join(', ')}`);
  if (!Array.isArray(raw.procedureCodeSystems) || !raw.procedureCodeSystems.every(isText)) throw fail('procedureCodeSystems must be a list of code system URIs');
  return {
    name: raw.name,
    revision: raw.revision as number,
    document: { system: doc.system, code: doc.code, display: doc.display },
    sections,
    procedureCodeSystems: raw.procedureCodeSystems as string[],
  };
}
