// The prior-authorization rule table (clinical/prior-authorization.json): services by CPT/HCPCS
// code, the diagnoses that support each, and per payer which services need authorization and
// which settings are exempt. Checked field by field at load; errors name the file and the field.
import { basename, resolve } from 'node:path';
import { readJsonData } from '../data-file.ts';

export const DEFAULT_PRIOR_AUTH_PATH = resolve(import.meta.dirname, '../../../clinical/prior-authorization.json');

export type Setting = 'inpatient' | 'emergency' | 'outpatient';
const SETTINGS: readonly Setting[] = ['inpatient', 'emergency', 'outpatient'];

export interface ResultRule {
  label: string;
  loinc: string[];
  maxAgeDays: number;
}

export interface Service {
  id: string;
  category: string;
  display: string;
  cpt: string[];
  hcpcs: string[];
  /** ICD-10 prefixes (dot removed) or [low, high] prefix ranges; as written, for messages. */
  supportingDiagnoses: { match: string | [string, string]; text: string }[];
  relevantResults: ResultRule[];
  /** Codes of the service given with contrast: renal function is attached when on file. */
  contrastCodes: string[];
  source: string;
}

export interface PayerRules {
  id: string;
  name: string;
  requires: Set<string>;
  exemptSettings: Set<Setting>;
  source: string;
}

export interface PriorAuthTable {
  name: string;
  version: string;
  sources: Map<string, string>;
  services: Map<string, Service>;
  /** Code (CPT or HCPCS) -> service id. */
  byCode: Map<string, string>;
  contrastResults: ResultRule;
  payers: Map<string, PayerRules>;
}

export class PriorAuthTableError extends Error {
  constructor(file: string, path: string, rule: string) {
    super(`${file}: ${path} ${rule}`);
    this.name = 'PriorAuthTableError';
  }
}

type Obj = Record<string, unknown>;

export function parsePriorAuthTable(json: unknown, file = 'prior-authorization.json'): PriorAuthTable {
  const fail = (path: string, rule: string): never => {
    throw new PriorAuthTableError(file, path, rule);
  };
  const obj = (v: unknown, path: string): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : fail(path, 'must be an object'));
  const text = (o: Obj, key: string, path: string): string => {
    const v = o[key];
    return typeof v === 'string' && v.trim() !== '' ? v : fail(`${path}.${key}`, 'must be a non-empty string');
  };
  const texts = (o: Obj, key: string, path: string, optional = false): string[] => {
    const v = o[key];
    if (v === undefined && optional) return [];
    return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.trim() !== '') ? (v as string[]) : fail(`${path}.${key}`, 'must be a non-empty list of strings');
  };
  const results = (v: unknown, path: string): ResultRule => {
    const o = obj(v, path);
    const days = o.max_age_days;
    if (typeof days !== 'number' || days <= 0) fail(`${path}.max_age_days`, 'must be a positive number');
    return { label: text(o, 'label', path), loinc: texts(o, 'loinc', path), maxAgeDays: days as number };
  };

  const root = obj(json, '(file)');
  const sources = new Map<string, string>();
  const rawSources = Array.isArray(root.sources) && root.sources.length > 0 ? root.sources : fail('sources', 'must be a non-empty list of { id, citation }');
  rawSources.forEach((s, i) => {
    const o = obj(s, `sources[${i}]`);
    sources.set(text(o, 'id', `sources[${i}]`), text(o, 'citation', `sources[${i}]`));
  });
  const cited = (id: string, path: string): string => (sources.has(id) ? id : fail(path, `"${id}" is not in sources`));

  const services = new Map<string, Service>();
  const byCode = new Map<string, string>();
  for (const [id, raw] of Object.entries(obj(root.services, 'services'))) {
    const path = `services.${id}`;
    const o = obj(raw, path);
    const cpt = texts(o, 'cpt', path, true);
    const hcpcs = texts(o, 'hcpcs', path, true);
    if (cpt.length + hcpcs.length === 0) fail(path, 'must list cpt or hcpcs codes');
    for (const code of [...cpt, ...hcpcs]) {
      const other = byCode.get(code);
      if (other !== undefined) fail(path, `code ${code} is also listed by ${other}`);
      byCode.set(code, id);
    }
    const contrastCodes = texts(o, 'contrast_codes', path, true);
    for (const c of contrastCodes) if (!cpt.includes(c)) fail(`${path}.contrast_codes`, `${c} is not one of the service's cpt codes`);
    services.set(id, {
      id,
      category: text(o, 'category', path),
      display: text(o, 'display', path),
      cpt,
      hcpcs,
      supportingDiagnoses: texts(o, 'supporting_diagnoses', path).map((t, j) => ({ match: icdPattern(t, () => fail(`${path}.supporting_diagnoses[${j}]`, 'must be a code prefix or a range of prefixes of the same length')), text: t })),
      relevantResults: Array.isArray(o.relevant_results) ? o.relevant_results.map((r, j) => results(r, `${path}.relevant_results[${j}]`)) : [],
      contrastCodes,
      source: cited(text(o, 'source', path), `${path}.source`),
    });
  }

  const payers = new Map<string, PayerRules>();
  for (const [id, raw] of Object.entries(obj(root.payers, 'payers'))) {
    const path = `payers.${id}`;
    const o = obj(raw, path);
    const requires = texts(o, 'requires', path);
    for (const s of requires) if (!services.has(s)) fail(`${path}.requires`, `"${s}" is not a service`);
    const exempt = texts(o, 'exempt_settings', path, true);
    for (const s of exempt) if (!(SETTINGS as readonly string[]).includes(s)) fail(`${path}.exempt_settings`, `"${s}" is not one of ${SETTINGS.join(', ')}`);
    payers.set(id, { id, name: text(o, 'name', path), requires: new Set(requires), exemptSettings: new Set(exempt as Setting[]), source: cited(text(o, 'source', path), `${path}.source`) });
  }
  if (!payers.has('default')) fail('payers', 'must have a "default" entry');

  return {
    name: text(root, 'name', ''),
    version: text(root, 'version', ''),
    sources,
    services,
    byCode,
    contrastResults: results(root.contrast_results, 'contrast_results'),
    payers,
  };
}

/** An ICD-10 prefix (dot removed, upper case) or a range of prefixes of the same length. */
function icdPattern(text: string, bad: () => never): string | [string, string] {
  const [low = '', high, extra] = text.split('-').map((c) => c.replace(/\./g, '').trim().toUpperCase());
  if (extra !== undefined || low === '' || (high !== undefined && (high.length !== low.length || high < low))) bad();
  return high === undefined ? low : [low, high];
}

export function matchesIcd(pattern: string | [string, string], code: string): boolean {
  const c = code.replace(/\./g, '').trim().toUpperCase();
  if (typeof pattern === 'string') return c.startsWith(pattern);
  const head = c.slice(0, pattern[0].length);
  return head.length === pattern[0].length && head >= pattern[0] && head <= pattern[1];
}

export function loadPriorAuthTable(path = DEFAULT_PRIOR_AUTH_PATH): PriorAuthTable {
  const file = basename(path);
  return parsePriorAuthTable(readJsonData(path, (problem) => new PriorAuthTableError(file, '(file)', problem)), file);
}
