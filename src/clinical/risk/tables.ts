// The risk tables (clinical/news2.json, charlson-icd10.json, lace.json): types and loaders. Every
// field is checked at load and a mistake names the file and the field, so a bad edit stops the
// processor at start-up instead of scoring wrongly.
import { basename, resolve } from 'node:path';
import { readJsonData } from '../data-file.ts';
import type { Band, Step } from './score.ts';

const CLINICAL = resolve(import.meta.dirname, '../../../clinical');
export const DEFAULT_NEWS2_PATH = resolve(CLINICAL, 'news2.json');
export const DEFAULT_CHARLSON_PATH = resolve(CLINICAL, 'charlson-icd10.json');
export const DEFAULT_LACE_PATH = resolve(CLINICAL, 'lace.json');

export interface Source {
  id: string;
  citation: string;
}

interface Table {
  name: string;
  version: string;
  sources: Source[];
}

export interface Parameter {
  name: string;
  loinc: string[];
  units?: string;
}

export const NEWS2_BANDS = ['low', 'low-medium', 'medium', 'high'] as const;

export interface News2Table extends Table {
  maxAgeHours: number;
  respirationRate: Parameter & { bands: Band[] };
  spo2: Parameter & { scale1: Band[]; scale2OnAir: Band[]; scale2OnOxygen: Band[] };
  airOrOxygen: { name: string; flowLoinc: string[]; fio2Loinc: string[]; roomAirFio2Percent: number; oxygenPoints: number };
  systolicBp: Parameter & { bands: Band[] };
  pulse: Parameter & { bands: Band[] };
  consciousness: Parameter & { alert: string[]; notAlert: string[]; notAlertPoints: number };
  temperature: Parameter & { bands: Band[] };
  scale2Diagnoses: string[];
  bands: { mediumFrom: number; highFrom: number; singleParameterRed: number; responses: Record<string, string> };
}

export interface CharlsonCondition {
  id: string;
  name: string;
  weight: number;
  /** Prefixes without dots, or [low, high] prefix ranges. */
  codes: (string | [string, string])[];
}

export interface CharlsonTable extends Table {
  conditions: CharlsonCondition[];
  hierarchy: { keep: string; drop: string }[];
}

export interface LaceTable extends Table {
  lengthOfStayDays: Step[];
  emergentAdmissionTypes: string[];
  emergentPoints: number;
  edHandoverHours: number;
  charlson: Step[];
  edVisits: Step[];
  lookbackMonths: number;
  bands: { band: string; from: number }[];
}

export class RiskTableError extends Error {
  constructor(file: string, path: string, rule: string) {
    super(`${file}: ${path} ${rule}`);
    this.name = 'RiskTableError';
  }
}

type Obj = Record<string, unknown>;

/** Field readers for one file; each failure names the file and the field. */
class Reader {
  readonly file: string;
  constructor(file: string) {
    this.file = file;
  }
  fail(path: string, rule: string): never {
    throw new RiskTableError(this.file, path, rule);
  }
  list(v: unknown, path: string, what: string): unknown[] {
    if (!Array.isArray(v) || v.length === 0) this.fail(path, `must be a non-empty list of ${what}`);
    return v;
  }
  obj(v: unknown, path: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'must be an object');
    return v as Obj;
  }
  text(o: Obj, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== 'string' || v.trim() === '') this.fail(`${path}.${key}`, 'must be a non-empty string');
    return v;
  }
  num(o: Obj, key: string, path: string): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${path}.${key}`, 'must be a number');
    return v;
  }
  texts(o: Obj, key: string, path: string): string[] {
    const v = o[key];
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && x.trim() !== '')) this.fail(`${path}.${key}`, 'must be a non-empty list of strings');
    return v as string[];
  }
  bands(o: Obj, key: string, path: string): Band[] {
    const v = o[key];
    if (!Array.isArray(v) || v.length === 0) this.fail(`${path}.${key}`, 'must be a non-empty list of { max, points }');
    let last = Number.NEGATIVE_INFINITY;
    return v.map((raw, i) => {
      const p = `${path}.${key}[${i}]`;
      const b = this.obj(raw, p);
      const points = this.num(b, 'points', p);
      if (i === v.length - 1) {
        if (b.max !== undefined) this.fail(p, 'the last band must have no max');
        return { points };
      }
      const max = this.num(b, 'max', p);
      if (max <= last) this.fail(`${p}.max`, 'must rise from band to band');
      last = max;
      return { max, points };
    });
  }
  steps(o: Obj, key: string, path: string): Step[] {
    const v = o[key];
    if (!Array.isArray(v) || v.length === 0) this.fail(`${path}.${key}`, 'must be a non-empty list of { from, points }');
    let last = Number.NEGATIVE_INFINITY;
    return v.map((raw, i) => {
      const p = `${path}.${key}[${i}]`;
      const s = this.obj(raw, p);
      const from = this.num(s, 'from', p);
      if (i === 0 && from !== 0) this.fail(`${p}.from`, 'the first step must start at 0');
      if (from <= last) this.fail(`${p}.from`, 'must rise from step to step');
      last = from;
      return { from, points: this.num(s, 'points', p) };
    });
  }
  table(json: unknown): { root: Obj; table: Table } {
    const root = this.obj(json, '(file)');
    const sources = root.sources;
    if (!Array.isArray(sources) || sources.length === 0) this.fail('sources', 'must be a non-empty list of { id, citation }');
    return {
      root,
      table: {
        name: this.text(root, 'name', ''),
        version: this.text(root, 'version', ''),
        sources: sources.map((s, i) => {
          const o = this.obj(s, `sources[${i}]`);
          return { id: this.text(o, 'id', `sources[${i}]`), citation: this.text(o, 'citation', `sources[${i}]`) };
        }),
      },
    };
  }
}

function read(path: string): { r: Reader; json: unknown } {
  const r = new Reader(basename(path));
  return { r, json: readJsonData(path, (problem) => new RiskTableError(r.file, '(file)', problem)) };
}

export function parseNews2Table(json: unknown, file = 'news2.json'): News2Table {
  const r = new Reader(file);
  const { root, table } = r.table(json);
  const params = r.obj(root.parameters, 'parameters');
  const param = (key: string) => {
    const path = `parameters.${key}`;
    const o = r.obj(params[key], path);
    return { o, path, base: { name: r.text(o, 'name', path), loinc: r.texts(o, 'loinc', path), ...(typeof o.units === 'string' ? { units: o.units } : {}) } };
  };
  const banded = (key: string) => {
    const { o, path, base } = param(key);
    return { ...base, bands: r.bands(o, 'bands', path) };
  };
  const spo2 = param('spo2');
  const conscious = param('consciousness');
  const airPath = 'parameters.air_or_oxygen';
  const air = r.obj(params.air_or_oxygen, airPath);
  const bands = r.obj(root.bands, 'bands');
  return {
    ...table,
    maxAgeHours: r.num(root, 'max_age_hours', ''),
    respirationRate: banded('respiration_rate'),
    spo2: { ...spo2.base, scale1: r.bands(spo2.o, 'scale_1', spo2.path), scale2OnAir: r.bands(spo2.o, 'scale_2_on_air', spo2.path), scale2OnOxygen: r.bands(spo2.o, 'scale_2_on_oxygen', spo2.path) },
    airOrOxygen: {
      name: r.text(air, 'name', airPath),
      flowLoinc: r.texts(air, 'flow_loinc', airPath),
      fio2Loinc: r.texts(air, 'fio2_loinc', airPath),
      roomAirFio2Percent: r.num(air, 'room_air_fio2_percent', airPath),
      oxygenPoints: r.num(air, 'oxygen_points', airPath),
    },
    systolicBp: banded('systolic_bp'),
    pulse: banded('pulse'),
    consciousness: {
      ...conscious.base,
      alert: r.texts(conscious.o, 'alert', conscious.path).map((s) => s.toLowerCase()),
      notAlert: r.texts(conscious.o, 'not_alert', conscious.path).map((s) => s.toLowerCase()),
      notAlertPoints: r.num(conscious.o, 'not_alert_points', conscious.path),
    },
    temperature: banded('temperature'),
    scale2Diagnoses: r.texts(root, 'scale_2_diagnoses', '').map(normalizeIcd),
    bands: {
      mediumFrom: r.num(bands, 'medium_from', 'bands'),
      highFrom: r.num(bands, 'high_from', 'bands'),
      singleParameterRed: r.num(bands, 'single_parameter_red', 'bands'),
      responses: Object.fromEntries(NEWS2_BANDS.map((b) => [b, r.text(r.obj(bands.responses, 'bands.responses'), b, 'bands.responses')])),
    },
  };
}

/** ICD-10 codes compare without their dot, in upper case. */
export function normalizeIcd(code: string): string {
  return code.replace(/\./g, '').trim().toUpperCase();
}

export function parseCharlsonTable(json: unknown, file = 'charlson-icd10.json'): CharlsonTable {
  const r = new Reader(file);
  const { root, table } = r.table(json);
  const conditions = r.list(root.conditions, 'conditions', 'conditions').map((raw, i): CharlsonCondition => {
    const path = `conditions[${i}]`;
    const o = r.obj(raw, path);
    const codes = r.texts(o, 'icd10', path).map((c, j): string | [string, string] => {
      const [low = '', high, extra] = c.split('-').map(normalizeIcd);
      if (extra !== undefined || low === '' || (high !== undefined && (high.length !== low.length || high < low))) r.fail(`${path}.icd10[${j}]`, 'must be a code prefix or a range of prefixes of the same length');
      return high === undefined ? low : [low, high];
    });
    return { id: r.text(o, 'id', path), name: r.text(o, 'name', path), weight: r.num(o, 'weight', path), codes };
  });
  const ids = new Set(conditions.map((c) => c.id));
  if (ids.size !== conditions.length) r.fail('conditions', 'ids must be unique');
  const hierarchy = r.list(root.hierarchy, 'hierarchy', '{ keep, drop }').map((raw, i) => {
    const path = `hierarchy[${i}]`;
    const o = r.obj(raw, path);
    const keep = r.text(o, 'keep', path);
    const drop = r.text(o, 'drop', path);
    if (!ids.has(keep) || !ids.has(drop)) r.fail(path, 'must name conditions of the table');
    return { keep, drop };
  });
  return { ...table, conditions, hierarchy };
}

export function parseLaceTable(json: unknown, file = 'lace.json'): LaceTable {
  const r = new Reader(file);
  const { root, table } = r.table(json);
  const bands = r.list(root.bands, 'bands', '{ band, from }').map((raw, i) => {
    const o = r.obj(raw, `bands[${i}]`);
    return { band: r.text(o, 'band', `bands[${i}]`), from: r.num(o, 'from', `bands[${i}]`) };
  });
  if (bands[0]?.from !== 0 || bands.some((b, i) => i > 0 && b.from <= (bands[i - 1]?.from ?? 0))) r.fail('bands', 'must start at 0 and rise');
  return {
    ...table,
    lengthOfStayDays: r.steps(root, 'length_of_stay_days', ''),
    emergentAdmissionTypes: r.texts(root, 'emergent_admission_types', '').map((t) => t.toUpperCase()),
    emergentPoints: r.num(root, 'emergent_points', ''),
    edHandoverHours: r.num(root, 'ed_handover_hours', ''),
    charlson: r.steps(root, 'charlson', ''),
    edVisits: r.steps(root, 'ed_visits', ''),
    lookbackMonths: r.num(root, 'lookback_months', ''),
    bands,
  };
}

export function loadNews2Table(path = DEFAULT_NEWS2_PATH): News2Table {
  const { r, json } = read(path);
  return parseNews2Table(json, r.file);
}

export function loadCharlsonTable(path = DEFAULT_CHARLSON_PATH): CharlsonTable {
  const { r, json } = read(path);
  return parseCharlsonTable(json, r.file);
}

export function loadLaceTable(path = DEFAULT_LACE_PATH): LaceTable {
  const { r, json } = read(path);
  return parseLaceTable(json, r.file);
}
