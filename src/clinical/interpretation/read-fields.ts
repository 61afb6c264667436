// Field readers for clinical/interpretation-rules.json, on the critical table's Checker: each
// problem is collected with the path of its field, so one run lists every mistake in a site file.
import { type Checker, isObject, type Raw } from '../critical/field-checker.ts';
import { isLoinc } from '../critical/load-table.ts';
import { type Chemistry, convertUnits, tidy } from '../critical/units.ts';
import { canonicalUnits } from './readings.ts';
import type { Analyte, Band, ByUnits, Severity } from './rules.ts';
import { SEVERITIES } from './rules.ts';

export const ANALYTE_FIELDS = ['display', 'plain', 'loinc', 'units', 'convert', 'molarMass', 'valence', 'source'] as const;

export function unitsField(c: Checker, obj: Raw, field: string): string | undefined {
  const v = c.text(obj, field);
  return v === undefined ? undefined : canonicalUnits(v);
}

export function severity(c: Checker, obj: Raw, field: string): Severity | undefined {
  const v = obj[field];
  if (typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v)) return v as Severity;
  c.fail(field, `must be one of ${SEVERITIES.join(', ')}`);
  return undefined;
}

export function severities<K extends string>(c: Checker, obj: Raw, field: string, keys: readonly K[]): Record<K, Severity> | undefined {
  const raw = obj[field];
  const sc = c.at(`${c.path}.${field}`);
  if (!isObject(raw)) {
    c.fail(field, `must be an object with ${keys.join(', ')}`);
    return undefined;
  }
  sc.keys(raw, keys);
  const out: Partial<Record<K, Severity>> = {};
  for (const k of keys) {
    const s = severity(sc, raw, k);
    if (s) out[k] = s;
  }
  return Object.keys(out).length === keys.length ? (out as Record<K, Severity>) : undefined;
}

/**
 * The molar mass that makes `1 units = factor other`: guidelines print the factor (KDIGO: creatinine
 * 1 mg/dL = 88.4 umol/L), the converter wants chemistry. Undefined when one kind converts alone.
 */
export function chemistryFor(c: Checker, units: string, convert: Raw): Chemistry | undefined {
  const to = unitsField(c, convert, 'units');
  const factor = c.positive(convert, 'factor', true);
  c.text(convert, 'source');
  if (to === undefined || factor === undefined) return undefined;
  const direct = convertUnits(1, units, to);
  if (direct.ok) {
    if (tidy(direct.value) !== tidy(factor)) c.fail('factor', `must be ${direct.value}: these units convert without chemistry`);
    return undefined;
  }
  const one = convertUnits(1, units, to, { molarMass: 1 });
  const two = convertUnits(1, units, to, { molarMass: 2 });
  if (!one.ok || !two.ok) {
    c.fail('units', `cannot be converted from ${units}`);
    return undefined;
  }
  // Mass to substance goes as 1/M, substance to mass as M.
  return { molarMass: two.value > one.value ? factor / one.value : one.value / factor };
}

export function readAnalyte(c: Checker, id: string, raw: unknown): Analyte | undefined {
  if (!isObject(raw)) {
    c.fail('', 'must be an object');
    return undefined;
  }
  c.keys(raw, ANALYTE_FIELDS);
  const display = c.text(raw, 'display');
  const plain = c.text(raw, 'plain');
  const units = unitsField(c, raw, 'units');
  c.text(raw, 'source');
  const loinc = raw.loinc;
  const codes = Array.isArray(loinc) ? loinc.filter((x): x is string => typeof x === 'string' && isLoinc(x)) : [];
  if (!Array.isArray(loinc) || loinc.length === 0 || codes.length !== loinc.length) c.fail('loinc', 'must be a non-empty list of LOINC codes (with their check digit)');
  let chem: Chemistry = c.chemistry(raw);
  if (raw.convert !== undefined) {
    const cc = c.at(`${c.path}.convert`);
    if (!isObject(raw.convert)) c.fail('convert', 'must be an object { units, factor, source }');
    else if (units !== undefined) {
      cc.keys(raw.convert, ['units', 'factor', 'source']);
      if (chem.molarMass !== undefined) c.fail('convert', 'and molarMass cannot both be given');
      chem = { ...chem, ...chemistryFor(cc, units, raw.convert) };
    }
  }
  if (!display || !plain || !units || codes.length === 0) return undefined;
  return { id, display, plain, loinc: codes, units, ...chem };
}

export function byUnits(c: Checker, obj: Raw, field: string): ByUnits | undefined {
  const raw = obj[field];
  if (!isObject(raw) || Object.keys(raw).length === 0) {
    c.fail(field, 'must be an object of thresholds keyed by units');
    return undefined;
  }
  const out = new Map<string, number>();
  for (const [units, value] of Object.entries(raw)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) c.fail(`${field}.${units}`, 'must be a positive number');
    else out.set(canonicalUnits(units), value);
  }
  return out.size === Object.keys(raw).length ? out : undefined;
}

export function bands(c: Checker, obj: Raw, direction?: 'below' | 'atOrAbove'): { direction: 'below' | 'atOrAbove'; bands: Band[] } | undefined {
  const raw = obj.bands;
  if (!Array.isArray(raw) || raw.length === 0) {
    c.fail('bands', 'must be a non-empty list of { band, below | atOrAbove, severity }');
    return undefined;
  }
  const out: Band[] = [];
  let dir = direction;
  raw.forEach((b, i) => {
    const bc = c.at(`${c.path}.bands[${i}]`);
    if (!isObject(b)) return bc.fail('', 'must be an object');
    bc.keys(b, ['band', 'below', 'atOrAbove', 'severity']);
    const name = bc.slug(b, 'band');
    const s = severity(bc, b, 'severity');
    const which = b.below !== undefined ? 'below' : 'atOrAbove';
    if ((b.below === undefined) === (b.atOrAbove === undefined)) return bc.fail('', 'needs exactly one of below, atOrAbove');
    if (dir !== undefined && which !== dir) return bc.fail(which, `bands of this rule use ${dir}`);
    dir = which;
    const threshold = bc.positive(b, which, true);
    const previous = out.at(-1);
    if (threshold !== undefined && previous && (which === 'below' ? threshold >= previous.threshold : threshold <= previous.threshold)) {
      bc.fail(which, 'bands must go from the least to the most extreme');
    }
    if (name && s && threshold !== undefined) out.push({ band: name, threshold, severity: s });
  });
  return out.length === raw.length && dir ? { direction: dir, bands: out } : undefined;
}

export function revisionOf(c: Checker, raw: Raw): number | undefined {
  if (!Number.isInteger(raw.revision) || (raw.revision as number) < 1) {
    c.fail('revision', 'must be a positive integer');
    return undefined;
  }
  return raw.revision as number;
}

export function sourceIds(c: Checker, raw: Raw): string[] | undefined {
  const list = raw.sources;
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && s.trim() !== '')) {
    c.fail('sources', 'must be a non-empty list of source ids');
    return undefined;
  }
  return list as string[];
}
