// The care-gap rules as data (clinical/care-gap-rules.json): codes with their systems, each rule's
// version and parameters, and the cited sources. Checked at load with the path of every bad field,
// so a typo stops the worker at start-up instead of silently detecting nothing.
import { resolve } from 'node:path';
import type { Coding } from '../../event/payloads.ts';
import { readJsonData } from '../data-file.ts';

export const DEFAULT_CARE_GAP_RULES_PATH = resolve(import.meta.dirname, '../../../clinical/care-gap-rules.json');

export const RULE_IDS = ['diabetes-hba1c-testing', 'diabetes-hba1c-poor-control', 'discharge-follow-up-7d', 'discharge-medication-reconciliation-30d'] as const;
export type RuleId = (typeof RULE_IDS)[number];

export interface Source {
  id: string;
  citation: string;
  note?: string;
}

interface RuleBase {
  version: number;
  title: string;
  sources: string[];
}

export interface CareGapRules {
  name: string;
  revision: number;
  sources: Source[];
  codes: {
    diabetes: { system: string; prefixes: string[] };
    hba1c: { system: string; codes: string[]; units: string[] };
    medicationReconciliation: Coding[];
  };
  rules: {
    'diabetes-hba1c-testing': RuleBase & { windowMonths: number };
    'diabetes-hba1c-poor-control': RuleBase & { abovePercent: number; retestMonths: number };
    'discharge-follow-up-7d': RuleBase & { withinDays: number; dischargeClasses: string[]; contactClasses: string[] };
    'discharge-medication-reconciliation-30d': RuleBase & { withinDays: number; dischargeClasses: string[] };
  };
}

export class CareGapRulesError extends Error {
  readonly problems: string[];
  constructor(origin: string, problems: string[]) {
    super(`${origin}: ${problems.join('; ')}`);
    this.name = 'CareGapRulesError';
    this.problems = problems;
  }
}

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects problems by path instead of stopping at the first. */
class Reader {
  readonly problems: string[] = [];
  obj(v: unknown, path: string): Raw {
    if (isObject(v)) return v;
    this.problems.push(`${path} must be an object`);
    return {};
  }
  str(v: unknown, path: string): string {
    if (typeof v === 'string' && v.trim() !== '') return v;
    this.problems.push(`${path} must be a non-empty string`);
    return '';
  }
  num(v: unknown, path: string, integer = false): number {
    if (typeof v === 'number' && Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v))) return v;
    this.problems.push(`${path} must be a positive ${integer ? 'integer' : 'number'}`);
    return 1;
  }
  strings(v: unknown, path: string): string[] {
    if (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s !== '')) return v as string[];
    this.problems.push(`${path} must be a non-empty array of strings`);
    return [];
  }
}

export function loadCareGapRules(path = DEFAULT_CARE_GAP_RULES_PATH): CareGapRules {
  const fail = (problem: string) => new CareGapRulesError(path, [problem]);
  return readCareGapRules(readJsonData(path, fail), path);
}

export function readCareGapRules(json: unknown, origin = '(rules)'): CareGapRules {
  const r = new Reader();
  const top = r.obj(json, '(file)');
  const sources = (Array.isArray(top.sources) ? top.sources : (r.problems.push('sources must be an array'), [])).map((s, i) => {
    const o = r.obj(s, `sources[${i}]`);
    return { id: r.str(o.id, `sources[${i}].id`), citation: r.str(o.citation, `sources[${i}].citation`), ...(typeof o.note === 'string' ? { note: o.note } : {}) };
  });
  const known = new Set(sources.map((s) => s.id));
  const codes = r.obj(top.codes, 'codes');
  const diabetes = r.obj(codes.diabetes, 'codes.diabetes');
  const hba1c = r.obj(codes.hba1c, 'codes.hba1c');
  const recon = Array.isArray(codes.medication_reconciliation) ? codes.medication_reconciliation : (r.problems.push('codes.medication_reconciliation must be an array'), []);
  const rules = r.obj(top.rules, 'rules');
  for (const id of Object.keys(rules)) if (!(RULE_IDS as readonly string[]).includes(id)) r.problems.push(`rules.${id} is not a rule vigil knows (${RULE_IDS.join(', ')})`);
  const base = (id: RuleId): { raw: Raw; base: RuleBase } => {
    const raw = r.obj(rules[id], `rules.${id}`);
    const cited = r.strings(raw.sources, `rules.${id}.sources`);
    for (const s of cited) if (!known.has(s)) r.problems.push(`rules.${id}.sources names an unknown source ${s}`);
    return { raw, base: { version: r.num(raw.version, `rules.${id}.version`, true), title: r.str(raw.title, `rules.${id}.title`), sources: cited } };
  };
  const testing = base('diabetes-hba1c-testing');
  const control = base('diabetes-hba1c-poor-control');
  const followUp = base('discharge-follow-up-7d');
  const reconciliation = base('discharge-medication-reconciliation-30d');
  const loaded: CareGapRules = {
    name: r.str(top.name, 'name'),
    revision: r.num(top.revision, 'revision', true),
    sources,
    codes: {
      diabetes: { system: r.str(diabetes.system, 'codes.diabetes.system'), prefixes: r.strings(diabetes.prefixes, 'codes.diabetes.prefixes') },
      hba1c: { system: r.str(hba1c.system, 'codes.hba1c.system'), codes: r.strings(hba1c.codes, 'codes.hba1c.codes'), units: r.strings(hba1c.units, 'codes.hba1c.units') },
      medicationReconciliation: recon.map((c, i) => {
        const o = r.obj(c, `codes.medication_reconciliation[${i}]`);
        return { system: r.str(o.system, `codes.medication_reconciliation[${i}].system`), code: r.str(o.code, `codes.medication_reconciliation[${i}].code`) };
      }),
    },
    rules: {
      'diabetes-hba1c-testing': { ...testing.base, windowMonths: r.num(testing.raw.window_months, 'rules.diabetes-hba1c-testing.window_months', true) },
      'diabetes-hba1c-poor-control': {
        ...control.base,
        abovePercent: r.num(control.raw.above_percent, 'rules.diabetes-hba1c-poor-control.above_percent'),
        retestMonths: r.num(control.raw.retest_months, 'rules.diabetes-hba1c-poor-control.retest_months', true),
      },
      'discharge-follow-up-7d': {
        ...followUp.base,
        withinDays: r.num(followUp.raw.within_days, 'rules.discharge-follow-up-7d.within_days'),
        dischargeClasses: r.strings(followUp.raw.discharge_classes, 'rules.discharge-follow-up-7d.discharge_classes'),
        contactClasses: r.strings(followUp.raw.contact_classes, 'rules.discharge-follow-up-7d.contact_classes'),
      },
      'discharge-medication-reconciliation-30d': {
        ...reconciliation.base,
        withinDays: r.num(reconciliation.raw.within_days, 'rules.discharge-medication-reconciliation-30d.within_days'),
        dischargeClasses: r.strings(reconciliation.raw.discharge_classes, 'rules.discharge-medication-reconciliation-30d.discharge_classes'),
      },
    },
  };
  if (r.problems.length > 0) throw new CareGapRulesError(origin, r.problems);
  return loaded;
}
