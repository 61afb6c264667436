// One reader per rule of clinical/interpretation-rules.json: the fields it may hold, their checks,
// and the analytes it needs (checked against the merged analytes once every layer is read).
import { type Checker, isObject, type Raw } from '../critical/field-checker.ts';
import { bands, byUnits, revisionOf, severities, severity, sourceIds } from './read-fields.ts';
import type { Severity } from './rules.ts';

/** The rule ids the data file may hold, each read by its own reader below. */
export const RULE_IDS = ['aki-kdigo', 'anaemia-who', 'hyponatraemia', 'hba1c-ada', 'hyperkalaemia-rising-creatinine', 'reference-range', 'trend'] as const;
export type RuleId = (typeof RULE_IDS)[number];

export type RuleSlot = 'aki' | 'anaemia' | 'hyponatraemia' | 'hba1c' | 'hyperkalaemia' | 'range' | 'trend';

/** Where each rule lands in InterpretationRules. */
export const SLOT: Record<RuleId, RuleSlot> = {
  'aki-kdigo': 'aki',
  'anaemia-who': 'anaemia',
  hyponatraemia: 'hyponatraemia',
  'hba1c-ada': 'hba1c',
  'hyperkalaemia-rising-creatinine': 'hyperkalaemia',
  'reference-range': 'range',
  trend: 'trend',
};

/** A rule entry as read: its parameters, to be completed with id, version and citations. */
export interface RawRule {
  revision: number;
  sources: string[];
  /** Analyte ids it needs. */
  analytes: string[];
  /** The raw entry, for the version hash. */
  entry: Raw;
  params: Record<string, unknown>;
}

type ParamReader = (c: Checker, raw: Raw) => { params: Record<string, unknown>; analytes: string[] } | undefined;

const PARAMS: Record<RuleId, { fields: readonly string[]; read: ParamReader }> = {
  'aki-kdigo': {
    fields: ['analyte', 'rise', 'riseWithinHours', 'baselineDays', 'ratio', 'stage2Ratio', 'stage3Ratio', 'stage3AtOrAbove', 'severity'],
    read: (c, raw) => {
      const p = {
        analyte: c.slug(raw, 'analyte'),
        rise: byUnits(c, raw, 'rise'),
        riseWithinHours: c.positive(raw, 'riseWithinHours', true),
        baselineDays: c.positive(raw, 'baselineDays', true),
        ratio: c.positive(raw, 'ratio', true),
        stage2Ratio: c.positive(raw, 'stage2Ratio', true),
        stage3Ratio: c.positive(raw, 'stage3Ratio', true),
        stage3AtOrAbove: byUnits(c, raw, 'stage3AtOrAbove'),
        severity: severities(c, raw, 'severity', ['stage1', 'stage2', 'stage3'] as const),
      };
      if (p.ratio && p.stage2Ratio && p.stage3Ratio && !(p.ratio < p.stage2Ratio && p.stage2Ratio < p.stage3Ratio)) c.fail('stage2Ratio', 'ratios must increase: ratio < stage2Ratio < stage3Ratio');
      return Object.values(p).every((v) => v !== undefined) ? { params: p, analytes: [p.analyte as string] } : undefined;
    },
  },
  'anaemia-who': {
    fields: ['hemoglobin', 'mcv', 'minAge', 'thresholds', 'grades', 'mcvWithinDays', 'microcyticBelow', 'macrocyticAbove', 'severity'],
    read: (c, raw) => {
      const t = raw.thresholds;
      let thresholds: { male: number; female: number } | undefined;
      if (!isObject(t)) c.fail('thresholds', 'must be { male, female }');
      else {
        const tc = c.at(`${c.path}.thresholds`);
        tc.keys(t, ['male', 'female']);
        const male = tc.positive(t, 'male', true);
        const female = tc.positive(t, 'female', true);
        if (male && female) thresholds = { male, female };
      }
      const grades: { grade: string; below: number; severity: Severity }[] = [];
      if (!Array.isArray(raw.grades)) c.fail('grades', 'must be a list of { grade, below, severity }');
      else {
        raw.grades.forEach((g, i) => {
          const gc = c.at(`${c.path}.grades[${i}]`);
          if (!isObject(g)) return gc.fail('', 'must be an object');
          gc.keys(g, ['grade', 'below', 'severity']);
          const grade = gc.slug(g, 'grade');
          const below = gc.positive(g, 'below', true);
          const s = severity(gc, g, 'severity');
          const last = grades.at(-1);
          if (below !== undefined && last && below >= last.below) gc.fail('below', 'grades must go from the mildest to the most severe');
          if (grade && below !== undefined && s) grades.push({ grade, below, severity: s });
        });
      }
      const p = {
        hemoglobin: c.slug(raw, 'hemoglobin'),
        mcv: c.slug(raw, 'mcv'),
        minAge: c.finite(raw, 'minAge'),
        thresholds,
        grades: Array.isArray(raw.grades) && grades.length === raw.grades.length ? grades : undefined,
        mcvWithinDays: c.positive(raw, 'mcvWithinDays', true),
        microcyticBelow: c.positive(raw, 'microcyticBelow', true),
        macrocyticAbove: c.positive(raw, 'macrocyticAbove', true),
        severity: severities(c, raw, 'severity', ['microcytic', 'macrocytic', 'normocytic', 'unclassified'] as const),
      };
      if (p.minAge === undefined) c.fail('minAge', 'must be a number');
      if (p.microcyticBelow && p.macrocyticAbove && p.microcyticBelow >= p.macrocyticAbove) c.fail('microcyticBelow', 'must be below macrocyticAbove');
      return Object.values(p).every((v) => v !== undefined) ? { params: p, analytes: [p.hemoglobin as string, p.mcv as string] } : undefined;
    },
  },
  hyponatraemia: {
    fields: ['analyte', 'bands'],
    read: (c, raw) => {
      const analyte = c.slug(raw, 'analyte');
      const b = bands(c, raw, 'below');
      return analyte && b ? { params: { analyte, ...b }, analytes: [analyte] } : undefined;
    },
  },
  'hba1c-ada': {
    fields: ['analyte', 'bands', 'diabetesDiagnoses'],
    read: (c, raw) => {
      const analyte = c.slug(raw, 'analyte');
      const b = bands(c, raw, 'atOrAbove');
      const dx = raw.diabetesDiagnoses;
      const ok = Array.isArray(dx) && dx.every((d) => typeof d === 'string' && /^[A-Z][0-9A-Z.]{1,7}$/.test(d));
      if (!ok) c.fail('diabetesDiagnoses', 'must be a list of ICD-10-CM code prefixes');
      return analyte && b && ok ? { params: { analyte, ...b, diabetesDiagnoses: dx }, analytes: [analyte] } : undefined;
    },
  },
  'hyperkalaemia-rising-creatinine': {
    fields: ['potassium', 'creatinine', 'withinHours', 'bands'],
    read: (c, raw) => {
      const p = { potassium: c.slug(raw, 'potassium'), creatinine: c.slug(raw, 'creatinine'), withinHours: c.positive(raw, 'withinHours', true) };
      const b = bands(c, raw, 'atOrAbove');
      return p.potassium && p.creatinine && p.withinHours && b ? { params: { ...p, ...b }, analytes: [p.potassium, p.creatinine] } : undefined;
    },
  },
  'reference-range': {
    fields: ['severity'],
    read: (c, raw) => {
      const s = severities(c, raw, 'severity', ['outside', 'critical-flag'] as const);
      return s ? { params: { severity: s }, analytes: [] } : undefined;
    },
  },
  trend: {
    fields: ['points', 'windowDays', 'intervalFraction', 'valueFraction', 'severity'],
    read: (c, raw) => {
      const p = {
        points: c.positive(raw, 'points', true),
        windowDays: c.positive(raw, 'windowDays', true),
        intervalFraction: c.positive(raw, 'intervalFraction', true),
        valueFraction: c.positive(raw, 'valueFraction', true),
        severity: severity(c, raw, 'severity'),
      };
      if (p.points !== undefined && (!Number.isInteger(p.points) || p.points < 2)) c.fail('points', 'must be an integer of at least 2');
      return Object.values(p).every((v) => v !== undefined) ? { params: p, analytes: [] } : undefined;
    },
  },
};

export function readRule(c: Checker, id: RuleId, raw: unknown): RawRule | undefined {
  if (!isObject(raw)) {
    c.fail('', 'must be an object');
    return undefined;
  }
  const spec = PARAMS[id];
  c.keys(raw, ['revision', 'sources', ...spec.fields]);
  const revision = revisionOf(c, raw);
  const sources = sourceIds(c, raw);
  const read = spec.read(c, raw);
  if (revision === undefined || !sources || !read) return undefined;
  return { revision, sources, analytes: read.analytes, entry: raw, params: read.params };
}
