// Loading the critical-limits table: the cited default (clinical/critical-limits.json) and, when a
// site has one, an override file of the same shape whose entries replace or add to the default's
// (null removes one). Everything is checked at load, so a typo in a site file stops the processor
// at start-up with the path of the bad field, instead of silently not paging.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { CriticalLimit, CriticalTable, DeltaCheck, Source } from './table.ts';
import { Checker, isObject, SLUG_PATTERN } from './field-checker.ts';
import { readJsonData } from '../data-file.ts';

export const DEFAULT_LIMITS_PATH = resolve(import.meta.dirname, '../../../clinical/critical-limits.json');

export class CriticalTableError extends Error {
  readonly problems: string[];
  constructor(origin: string, problems: string[]) {
    super(`${origin}: ${problems.join('; ')}`);
    this.name = 'CriticalTableError';
    this.problems = problems;
  }
}

const LOINC_PATTERN = /^(\d{1,7})-(\d)$/;

/** LOINC codes end in a mod-10 (Luhn) check digit: a mistyped code in a site file is caught here. */
export function isLoinc(code: string): boolean {
  const m = LOINC_PATTERN.exec(code);
  if (!m) return false;
  const digits = (m[1] as string).split('').reverse().map(Number);
  const sum = digits.reduce((acc, d, i) => {
    if (i % 2 === 1) return acc + d;
    const twice = d * 2;
    return acc + (twice > 9 ? twice - 9 : twice);
  }, 0);
  return (10 - (sum % 10)) % 10 === Number(m[2]);
}

const LIMIT_FIELDS = ['analyte', 'display', 'units', 'low', 'high', 'lowInclusive', 'highInclusive', 'molarMass', 'valence', 'source'] as const;
const DELTA_FIELDS = ['analyte', 'display', 'loinc', 'direction', 'change', 'units', 'withinHours', 'molarMass', 'valence', 'source'] as const;
const SOURCE_FIELDS = ['id', 'citation', 'note', 'url'] as const;
const TOP_FIELDS = ['about', 'name', 'revision', 'sources', 'limits', 'deltaChecks'] as const;

function readLimit(c: Checker, loinc: string, raw: unknown): CriticalLimit | undefined {
  if (!isObject(raw)) {
    c.fail('', 'must be an object');
    return undefined;
  }
  c.keys(raw, LIMIT_FIELDS);
  const analyte = c.slug(raw, 'analyte');
  const display = c.text(raw, 'display');
  const units = c.units(raw, 'units');
  const low = c.finite(raw, 'low');
  const high = c.finite(raw, 'high');
  const lowInclusive = c.flag(raw, 'lowInclusive');
  const highInclusive = c.flag(raw, 'highInclusive');
  const source = c.text(raw, 'source');
  const chem = c.chemistry(raw);
  if (low === undefined && high === undefined) c.fail('', 'needs a low or a high limit');
  if (low !== undefined && high !== undefined && low >= high) c.fail('low', 'must be below high');
  if (lowInclusive && low === undefined) c.fail('lowInclusive', 'needs a low limit');
  if (highInclusive && high === undefined) c.fail('highInclusive', 'needs a high limit');
  if (!analyte || !display || !units || !source) return undefined;
  return {
    loinc,
    analyte,
    display,
    units,
    ...(low !== undefined ? { low } : {}),
    ...(high !== undefined ? { high } : {}),
    ...(lowInclusive ? { lowInclusive } : {}),
    ...(highInclusive ? { highInclusive } : {}),
    ...chem,
    source,
  };
}

function readDelta(c: Checker, id: string, raw: unknown): DeltaCheck | undefined {
  if (!isObject(raw)) {
    c.fail('', 'must be an object');
    return undefined;
  }
  c.keys(raw, DELTA_FIELDS);
  const analyte = c.slug(raw, 'analyte');
  const display = c.text(raw, 'display');
  const units = c.units(raw, 'units');
  const change = c.positive(raw, 'change', true);
  const withinHours = c.positive(raw, 'withinHours', true);
  const source = c.text(raw, 'source');
  const chem = c.chemistry(raw);
  const direction = raw.direction;
  if (direction !== 'rise' && direction !== 'fall') c.fail('direction', 'must be "rise" or "fall"');
  const loinc = raw.loinc;
  const codes = Array.isArray(loinc) ? loinc.filter((x): x is string => typeof x === 'string' && isLoinc(x)) : [];
  if (!Array.isArray(loinc) || loinc.length === 0 || codes.length !== loinc.length) c.fail('loinc', 'must be a non-empty list of LOINC codes (with their check digit)');
  if (!analyte || !display || !units || !change || !withinHours || !source || (direction !== 'rise' && direction !== 'fall') || codes.length === 0) return undefined;
  return { id, analyte, display, loinc: codes, direction, change, units, withinHours, ...chem, source };
}

interface Layer {
  name?: string;
  revision?: number;
  sources: Source[];
  limits: Map<string, CriticalLimit | null>;
  deltaChecks: Map<string, DeltaCheck | null>;
}

/** One file's content, checked field by field; `partial` (an override) may leave anything out and use null to remove. */
function readLayer(json: unknown, origin: string, partial: boolean): Layer {
  const c = new Checker('');
  const layer: Layer = { sources: [], limits: new Map(), deltaChecks: new Map() };
  if (!isObject(json)) throw new CriticalTableError(origin, ['the file must hold a JSON object']);
  c.keys(json, TOP_FIELDS);
  if (!partial || json.name !== undefined) {
    const name = c.slug(json, 'name');
    if (name !== undefined) layer.name = name;
  }
  if (!partial || json.revision !== undefined) {
    if (!Number.isInteger(json.revision) || (json.revision as number) < 1) c.fail('revision', 'must be a positive integer');
    else layer.revision = json.revision as number;
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
      const cited = sc.text(raw, 'citation');
      const note = sc.text(raw, 'note', false);
      const url = sc.text(raw, 'url', false);
      if (id && layer.sources.some((s) => s.id === id)) sc.fail('id', `"${id}" is listed twice`);
      if (id && cited) layer.sources.push({ id, citation: cited, ...(note ? { note } : {}), ...(url ? { url } : {}) });
    });
  }

  const limits = json.limits;
  if (!isObject(limits)) {
    if (!(partial && limits === undefined)) c.fail('limits', 'must be an object keyed by LOINC code');
  } else {
    for (const [code, raw] of Object.entries(limits)) {
      const lc = c.at(`limits[${JSON.stringify(code)}]`);
      if (!isLoinc(code)) lc.fail('', 'is not a LOINC code (digits, dash, check digit)');
      else if (raw === null && partial) layer.limits.set(code, null);
      else {
        const limit = readLimit(lc, code, raw);
        if (limit) layer.limits.set(code, limit);
      }
    }
  }

  const deltas = json.deltaChecks;
  if (!isObject(deltas)) {
    if (deltas !== undefined) c.fail('deltaChecks', 'must be an object keyed by check id');
  } else {
    for (const [id, raw] of Object.entries(deltas)) {
      const dc = c.at(`deltaChecks[${JSON.stringify(id)}]`);
      if (!SLUG_PATTERN.test(id)) dc.fail('', 'id must be lower-case letters, digits and dashes');
      else if (raw === null && partial) layer.deltaChecks.set(id, null);
      else {
        const check = readDelta(dc, id, raw);
        if (check) layer.deltaChecks.set(id, check);
      }
    }
  }
  if (c.problems.length > 0) throw new CriticalTableError(origin, c.problems.map((p) => p.replace(/^\./, '')));
  return layer;
}

function versionHash(limits: CriticalLimit[], deltaChecks: DeltaCheck[]): string {
  const canonical = JSON.stringify({ limits, deltaChecks });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 8);
}

/**
 * Builds the table from parsed JSON: the default, then the site override on top. Throws
 * CriticalTableError naming every bad field (never a patient value: there is none here).
 */
export function parseCriticalTable(base: unknown, override?: unknown, origins = { base: 'critical limits', override: 'site override' }): CriticalTable {
  const layers = [readLayer(base, origins.base, false), ...(override === undefined ? [] : [readLayer(override, origins.override, true)])];
  const sources = new Map<string, Source>();
  const limits = new Map<string, CriticalLimit>();
  const deltas = new Map<string, DeltaCheck>();
  let name = '';
  let revision = 0;
  for (const layer of layers) {
    name = layer.name ?? name;
    revision = layer.revision ?? revision;
    for (const s of layer.sources) sources.set(s.id, s);
    for (const [code, limit] of layer.limits) {
      if (limit === null) limits.delete(code);
      else limits.set(code, limit);
    }
    for (const [id, check] of layer.deltaChecks) {
      if (check === null) deltas.delete(id);
      else deltas.set(id, check);
    }
  }
  const problems: string[] = [];
  for (const l of limits.values()) if (!sources.has(l.source)) problems.push(`limits["${l.loinc}"].source "${l.source}" is not in sources`);
  for (const d of deltas.values()) if (!sources.has(d.source)) problems.push(`deltaChecks["${d.id}"].source "${d.source}" is not in sources`);
  if (problems.length > 0) throw new CriticalTableError(override === undefined ? origins.base : `${origins.base} + ${origins.override}`, problems);

  const sortedLimits = [...limits.values()].sort((a, b) => a.loinc.localeCompare(b.loinc));
  const sortedDeltas = [...deltas.values()].sort((a, b) => a.id.localeCompare(b.id));
  return {
    name,
    revision,
    version: `${name}-v${revision}+${versionHash(sortedLimits, sortedDeltas)}`,
    sources,
    limits: new Map(sortedLimits.map((l) => [l.loinc, l])),
    deltaChecks: sortedDeltas,
  };
}

function readJson(path: string): unknown {
  return readJsonData(path, (problem) => new CriticalTableError(path, [problem]));
}

/** Reads the critical-limits table (default: the cited clinical/critical-limits.json) and an optional site override file. */
export function loadCriticalTable(path: string = DEFAULT_LIMITS_PATH, overridePath?: string): CriticalTable {
  return parseCriticalTable(readJson(path), overridePath === undefined ? undefined : readJson(overridePath), { base: path, override: overridePath ?? '' });
}
