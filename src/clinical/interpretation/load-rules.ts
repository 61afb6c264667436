// Loading the interpretation rules: the cited default (clinical/interpretation-rules.json) and, when
// a site has one, an override file of the same shape whose analytes and rules replace or add to the
// default's (null removes one). Everything is checked at load, with the path of every bad field, so
// a typo in a site file stops the processor at start-up instead of silently interpreting nothing.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { Checker, isObject, type Raw, SLUG_PATTERN } from '../critical/field-checker.ts';
import { readAnalyte, revisionOf } from './read-fields.ts';
import { type RawRule, readRule, RULE_IDS, type RuleId, type RuleSlot, SLOT } from './read-rules.ts';
import type { Analyte, ByUnits, InterpretationRules, RuleRef, Source } from './rules.ts';
import { readJsonData } from '../data-file.ts';

export { RULE_IDS } from './read-rules.ts';

export const DEFAULT_RULES_PATH = resolve(import.meta.dirname, '../../../clinical/interpretation-rules.json');

export class InterpretationRulesError extends Error {
  readonly problems: string[];
  constructor(origin: string, problems: string[]) {
    super(`${origin}: ${problems.join('; ')}`);
    this.name = 'InterpretationRulesError';
    this.problems = problems;
  }
}

const TOP_FIELDS = ['about', 'name', 'revision', 'sources', 'analytes', 'rules'] as const;
const SOURCE_FIELDS = ['id', 'citation', 'note', 'url'] as const;

/** JSON with sorted keys: the version hash does not depend on how a file orders its fields. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

const hash8 = (v: unknown): string => createHash('sha256').update(stable(v)).digest('hex').slice(0, 8);

interface Layer {
  name?: string;
  revision?: number;
  sources: Source[];
  analytes: Map<string, Analyte | null>;
  rules: Map<RuleId, RawRule | null>;
  /** Raw entries, for the version hash. */
  raw: { analytes: Map<string, unknown>; rules: Map<string, unknown> };
}

function readLayer(json: unknown, origin: string, partial: boolean): Layer {
  const c = new Checker('');
  const layer: Layer = { sources: [], analytes: new Map(), rules: new Map(), raw: { analytes: new Map(), rules: new Map() } };
  if (!isObject(json)) throw new InterpretationRulesError(origin, ['the file must hold a JSON object']);
  c.keys(json, TOP_FIELDS);
  if (!partial || json.name !== undefined) {
    const name = c.slug(json, 'name');
    if (name !== undefined) layer.name = name;
  }
  if (!partial || json.revision !== undefined) {
    const revision = revisionOf(c, json);
    if (revision !== undefined) layer.revision = revision;
  }

  const sources = json.sources;
  if (!Array.isArray(sources) || (!partial && sources.length === 0)) {
    if (!(partial && sources === undefined)) c.fail('sources', 'must be a non-empty list of { id, citation }');
  } else {
    sources.forEach((raw, i) => {
      const sc = c.at(`sources[${i}]`);
      if (!isObject(raw)) return sc.fail('', 'must be an object');
      sc.keys(raw, SOURCE_FIELDS);
      const id = sc.text(raw, 'id');
      const citation = sc.text(raw, 'citation');
      const note = sc.text(raw, 'note', false);
      const url = sc.text(raw, 'url', false);
      if (id && layer.sources.some((s) => s.id === id)) sc.fail('id', `"${id}" is listed twice`);
      if (id && citation) layer.sources.push({ id, citation, ...(note ? { note } : {}), ...(url ? { url } : {}) });
    });
  }

  const analytes = json.analytes;
  if (!isObject(analytes)) {
    if (!(partial && analytes === undefined)) c.fail('analytes', 'must be an object keyed by analyte id');
  } else {
    for (const [id, raw] of Object.entries(analytes)) {
      const ac = c.at(`analytes[${JSON.stringify(id)}]`);
      layer.raw.analytes.set(id, raw);
      if (!SLUG_PATTERN.test(id)) ac.fail('', 'id must be lower-case letters, digits and dashes');
      else if (raw === null && partial) layer.analytes.set(id, null);
      else {
        const a = readAnalyte(ac, id, raw);
        if (a) layer.analytes.set(id, a);
      }
    }
  }

  const rules = json.rules;
  if (!isObject(rules)) {
    if (!(partial && rules === undefined)) c.fail('rules', 'must be an object keyed by rule id');
  } else {
    for (const [id, raw] of Object.entries(rules)) {
      const rc = c.at(`rules[${JSON.stringify(id)}]`);
      layer.raw.rules.set(id, raw);
      if (!(RULE_IDS as readonly string[]).includes(id)) rc.fail('', `is not a known rule (known: ${RULE_IDS.join(', ')})`);
      else if (raw === null && partial) layer.rules.set(id as RuleId, null);
      else {
        const r = readRule(rc, id as RuleId, raw);
        if (r) layer.rules.set(id as RuleId, r);
      }
    }
  }
  if (c.problems.length > 0) throw new InterpretationRulesError(origin, c.problems.map((p) => p.replace(/^\./, '')));
  return layer;
}

function merge<K, V>(target: Map<K, V>, layer: Map<K, V | null>): void {
  for (const [k, v] of layer) {
    if (v === null) target.delete(k);
    else target.set(k, v);
  }
}

/**
 * Builds the rules from parsed JSON: the default, then the site override on top. Throws
 * InterpretationRulesError naming every bad field (never a patient value: there is none here).
 */
export function parseInterpretationRules(base: unknown, override?: unknown, origins = { base: 'interpretation rules', override: 'site override' }): InterpretationRules {
  const layers = [readLayer(base, origins.base, false), ...(override === undefined ? [] : [readLayer(override, origins.override, true)])];
  const sources = new Map<string, Source>();
  const analytes = new Map<string, Analyte>();
  const rules = new Map<RuleId, RawRule>();
  const rawAnalytes = new Map<string, unknown>();
  const rawRules = new Map<string, unknown>();
  let name = '';
  let revision = 0;
  for (const layer of layers) {
    name = layer.name ?? name;
    revision = layer.revision ?? revision;
    for (const s of layer.sources) sources.set(s.id, s);
    merge(analytes, layer.analytes);
    merge(rules, layer.rules);
    merge(rawAnalytes, layer.raw.analytes);
    merge(rawRules, layer.raw.rules);
  }

  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const a of analytes.values()) {
    for (const code of a.loinc) {
      const other = seen.get(code);
      if (other !== undefined) problems.push(`analytes["${a.id}"].loinc ${code} is also listed by "${other}"`);
      seen.set(code, a.id);
    }
    const raw = rawAnalytes.get(a.id) as Raw;
    for (const ref of [raw.source, (raw.convert as Raw | undefined)?.source]) {
      if (typeof ref === 'string' && !sources.has(ref)) problems.push(`analytes["${a.id}"] source "${ref}" is not in sources`);
    }
  }
  for (const [id, r] of rules) {
    for (const s of r.sources) if (!sources.has(s)) problems.push(`rules["${id}"].sources "${s}" is not in sources`);
    for (const a of r.analytes) if (!analytes.has(a)) problems.push(`rules["${id}"] analyte "${a}" is not in analytes`);
  }
  if (rules.has('hyperkalaemia-rising-creatinine') && !rules.has('trend')) problems.push('rules["hyperkalaemia-rising-creatinine"] needs the trend rule (its measure of a rising creatinine)');
  const aki = rules.get('aki-kdigo');
  const creatinine = aki ? analytes.get(aki.params.analyte as string) : undefined;
  if (aki && creatinine) {
    for (const field of ['rise', 'stage3AtOrAbove']) {
      if (!(aki.params[field] as ByUnits).has(creatinine.units)) problems.push(`rules["aki-kdigo"].${field} needs a threshold in ${creatinine.units}, the analyte's units`);
    }
    // Both are applied in the same units: one must not fall back to other units than the other.
    const units = (field: string): string => [...(aki.params[field] as ByUnits).keys()].sort().join(', ');
    if (units('rise') !== units('stage3AtOrAbove')) problems.push('rules["aki-kdigo"].rise and stage3AtOrAbove must list the same units');
  }
  if (problems.length > 0) throw new InterpretationRulesError(override === undefined ? origins.base : `${origins.base} + ${origins.override}`, problems);

  const sortedAnalytes = [...analytes.values()].sort((a, b) => a.id.localeCompare(b.id));
  const versionHash = hash8({
    analytes: [...rawAnalytes.entries()].sort(([a], [b]) => a.localeCompare(b)),
    rules: [...rawRules.entries()].sort(([a], [b]) => a.localeCompare(b)),
    sources: [...sources.values()].sort((a, b) => a.id.localeCompare(b.id)),
  });
  const built: Record<string, RuleRef> = {};
  for (const [id, r] of rules) {
    const cited = r.sources.map((s) => sources.get(s) as Source);
    // The rule's version hashes its parameters and the text of what it cites, so either changing shows.
    const ref: RuleRef = { id, version: `v${r.revision}+${hash8({ entry: r.entry, cited })}`, source: cited.map((s) => s.citation).join(' | ') };
    built[SLOT[id]] = { ...ref, ...r.params } as RuleRef;
  }
  return {
    name,
    revision,
    version: `${name}-v${revision}+${versionHash}`,
    sources,
    analytes: new Map(sortedAnalytes.map((a) => [a.id, a])),
    ...(built as Partial<Pick<InterpretationRules, RuleSlot>>),
  };
}

function readJson(path: string): unknown {
  return readJsonData(path, (problem) => new InterpretationRulesError(path, [problem]));
}

/** Reads the interpretation rules (default: the cited clinical/interpretation-rules.json) and an optional site override file. */
export function loadInterpretationRules(path: string = DEFAULT_RULES_PATH, overridePath?: string): InterpretationRules {
  return parseInterpretationRules(readJson(path), overridePath === undefined ? undefined : readJson(overridePath), { base: path, override: overridePath ?? '' });
}
