// Laboratory panels and the values the simulated lab reports, with reference intervals, abnormal
// flags and critical limits. Each patient carries a tendency per analyte (low, normal, high) that
// follows their conditions and drifts from day to day, so a potassium that is high today is likely
// high tomorrow; a small share of draws are critical.
//
// Reference intervals: typical adult values as printed by US laboratories (ABIM Laboratory Test
// Reference Ranges, 2024, for most). Critical limits: Kost GJ, "Critical limits for urgent
// clinician notification at US medical centers", JAMA 1990;263:704-7 (mean limits of the centres
// surveyed: K 2.8/6.2 mmol/L, Na 120/158 mmol/L, glucose 46/484 mg/dL, Ca 6.0/13.0 mg/dL,
// Hb 6.6/19.9 g/dL, Hct 18/61 %, platelets 37/910 x10^3/uL, WBC 2.0/37.0 x10^3/uL); for CO2 and INR,
// common hospital policies (CO2 < 10 or > 40 mmol/L, INR > 5).

import type { Condition } from './diagnoses.ts';
import type { Random } from './random.ts';

export interface Analyte {
  loinc: string;
  display: string;
  /** UCUM units. */
  units: string;
  low: number;
  high: number;
  /** Different interval for women (hemoglobin, hematocrit, creatinine). */
  female?: { low: number; high: number };
  critLow?: number;
  critHigh?: number;
  decimals: number;
  /** Share of inpatient draws below and above the interval before conditions are considered. */
  pLow: number;
  pHigh: number;
  /** Chance that a draw is critical (split between low and high by which limits exist). */
  pCritical: number;
  /** How far outside the interval a non-critical abnormal value reaches, in interval widths. */
  reach: number;
  /** Reference range text as sent, when not a simple interval. */
  rangeText?: string;
}

const analyte = (a: Analyte): Analyte => a;

export const ANALYTES = {
  sodium: analyte({ loinc: '2951-2', display: 'Sodium [Moles/volume] in Serum or Plasma', units: 'mmol/L', low: 136, high: 145, critLow: 120, critHigh: 158, decimals: 0, pLow: 0.12, pHigh: 0.04, pCritical: 0.02, reach: 1 }),
  potassium: analyte({ loinc: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma', units: 'mmol/L', low: 3.5, high: 5.0, critLow: 2.8, critHigh: 6.2, decimals: 1, pLow: 0.1, pHigh: 0.06, pCritical: 0.03, reach: 1 }),
  chloride: analyte({ loinc: '2075-0', display: 'Chloride [Moles/volume] in Serum or Plasma', units: 'mmol/L', low: 98, high: 106, decimals: 0, pLow: 0.08, pHigh: 0.06, pCritical: 0, reach: 1 }),
  co2: analyte({ loinc: '2028-9', display: 'Carbon dioxide, total [Moles/volume] in Serum or Plasma', units: 'mmol/L', low: 23, high: 28, critLow: 10, critHigh: 40, decimals: 0, pLow: 0.12, pHigh: 0.05, pCritical: 0.01, reach: 1.5 }),
  bun: analyte({ loinc: '3094-0', display: 'Urea nitrogen [Mass/volume] in Serum or Plasma', units: 'mg/dL', low: 8, high: 20, decimals: 0, pLow: 0.03, pHigh: 0.2, pCritical: 0, reach: 3 }),
  creatinine: analyte({ loinc: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma', units: 'mg/dL', low: 0.7, high: 1.3, female: { low: 0.6, high: 1.1 }, decimals: 2, pLow: 0.04, pHigh: 0.18, pCritical: 0, reach: 4 }),
  glucose: analyte({ loinc: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma', units: 'mg/dL', low: 70, high: 99, critLow: 46, critHigh: 484, decimals: 0, pLow: 0.03, pHigh: 0.3, pCritical: 0.025, reach: 5 }),
  calcium: analyte({ loinc: '17861-6', display: 'Calcium [Mass/volume] in Serum or Plasma', units: 'mg/dL', low: 8.6, high: 10.2, critLow: 6.0, critHigh: 13.0, decimals: 1, pLow: 0.12, pHigh: 0.03, pCritical: 0.012, reach: 1 }),
  albumin: analyte({ loinc: '1751-7', display: 'Albumin [Mass/volume] in Serum or Plasma', units: 'g/dL', low: 3.5, high: 5.5, decimals: 1, pLow: 0.3, pHigh: 0.01, pCritical: 0, reach: 0.8 }),
  protein: analyte({ loinc: '2885-2', display: 'Protein [Mass/volume] in Serum or Plasma', units: 'g/dL', low: 6.0, high: 8.3, decimals: 1, pLow: 0.15, pHigh: 0.03, pCritical: 0, reach: 0.8 }),
  alt: analyte({ loinc: '1742-6', display: 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma', units: 'U/L', low: 10, high: 40, decimals: 0, pLow: 0.02, pHigh: 0.12, pCritical: 0, reach: 4 }),
  ast: analyte({ loinc: '1920-8', display: 'Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma', units: 'U/L', low: 10, high: 40, decimals: 0, pLow: 0.02, pHigh: 0.12, pCritical: 0, reach: 4 }),
  alp: analyte({ loinc: '6768-6', display: 'Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma', units: 'U/L', low: 30, high: 120, decimals: 0, pLow: 0.02, pHigh: 0.1, pCritical: 0, reach: 2 }),
  bilirubin: analyte({ loinc: '1975-2', display: 'Bilirubin.total [Mass/volume] in Serum or Plasma', units: 'mg/dL', low: 0.3, high: 1.2, decimals: 1, pLow: 0.01, pHigh: 0.08, pCritical: 0, reach: 4 }),
  wbc: analyte({ loinc: '6690-2', display: 'Leukocytes [#/volume] in Blood by Automated count', units: '10*3/uL', low: 4.0, high: 11.0, critLow: 2.0, critHigh: 37.0, decimals: 1, pLow: 0.06, pHigh: 0.15, pCritical: 0.015, reach: 1.5 }),
  hemoglobin: analyte({ loinc: '718-7', display: 'Hemoglobin [Mass/volume] in Blood', units: 'g/dL', low: 13.5, high: 17.5, female: { low: 12.0, high: 15.5 }, critLow: 6.6, critHigh: 19.9, decimals: 1, pLow: 0.3, pHigh: 0.02, pCritical: 0.02, reach: 1.2 }),
  hematocrit: analyte({ loinc: '4544-3', display: 'Hematocrit [Volume Fraction] of Blood by Automated count', units: '%', low: 41, high: 50, female: { low: 36, high: 44 }, critLow: 18, critHigh: 61, decimals: 1, pLow: 0.3, pHigh: 0.02, pCritical: 0.012, reach: 1.2 }),
  mcv: analyte({ loinc: '787-2', display: 'MCV [Entitic volume] by Automated count', units: 'fL', low: 80, high: 100, decimals: 0, pLow: 0.08, pHigh: 0.06, pCritical: 0, reach: 0.8 }),
  platelets: analyte({ loinc: '777-3', display: 'Platelets [#/volume] in Blood by Automated count', units: '10*3/uL', low: 150, high: 450, critLow: 37, critHigh: 910, decimals: 0, pLow: 0.1, pHigh: 0.04, pCritical: 0.015, reach: 0.6 }),
  inr: analyte({ loinc: '6301-6', display: 'INR in Platelet poor plasma by Coagulation assay', units: '{INR}', low: 0.8, high: 1.1, critHigh: 5.0, decimals: 1, pLow: 0, pHigh: 0.12, pCritical: 0.01, reach: 3 }),
  hba1c: analyte({ loinc: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', units: '%', low: 4.0, high: 5.6, decimals: 1, pLow: 0, pHigh: 0, pCritical: 0, reach: 1, rangeText: '<5.7' }),
} as const satisfies Record<string, Analyte>;

export type AnalyteKey = keyof typeof ANALYTES;

export interface Panel {
  loinc: string;
  display: string;
  /** HL7 table 0074 diagnostic service section (OBR-24). */
  section: string;
  analytes: readonly AnalyteKey[];
  /** Median minutes from collection to result (assumption for an in-house core lab). */
  turnaroundMinutes: number;
}

const BMP: readonly AnalyteKey[] = ['sodium', 'potassium', 'chloride', 'co2', 'bun', 'creatinine', 'glucose', 'calcium'];

export const PANELS = {
  bmp: { loinc: '24321-2', display: 'Basic metabolic 2000 panel - Serum or Plasma', section: 'CH', analytes: BMP, turnaroundMinutes: 50 },
  cmp: { loinc: '24323-8', display: 'Comprehensive metabolic 2000 panel - Serum or Plasma', section: 'CH', analytes: [...BMP, 'albumin', 'protein', 'alt', 'ast', 'alp', 'bilirubin'], turnaroundMinutes: 60 },
  cbc: { loinc: '58410-2', display: 'CBC panel - Blood by Automated count', section: 'HM', analytes: ['wbc', 'hemoglobin', 'hematocrit', 'mcv', 'platelets'], turnaroundMinutes: 35 },
  inr: { loinc: '6301-6', display: 'INR in Platelet poor plasma by Coagulation assay', section: 'HM', analytes: ['inr'], turnaroundMinutes: 45 },
  hba1c: { loinc: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', section: 'CH', analytes: ['hba1c'], turnaroundMinutes: 240 },
} as const satisfies Record<string, Panel>;

export type PanelKey = keyof typeof PANELS;

export type Tendency = 'low' | 'normal' | 'high';

/** What the lab needs to know about a patient to produce believable values. */
export interface LabSubject {
  sex: 'M' | 'F';
  conditions: ReadonlySet<Condition>;
  ckdStage?: '3a' | '3b' | '4';
  onWarfarin: boolean;
  /** Chronic problems and the reason for the stay, which shift some analytes. */
  infection: boolean;
  diabeticCrisis: boolean;
  /** Per-analyte tendencies, kept across draws of one stay. */
  tendencies: Map<AnalyteKey, Tendency>;
}

export interface LabValue {
  key: AnalyteKey;
  analyte: Analyte;
  value: number;
  /** As it will be written (fixed decimals). */
  text: string;
  low: number;
  high: number;
  /** '', L, H, LL or HH. */
  flag: '' | 'L' | 'H' | 'LL' | 'HH';
}

/** Abnormal-tendency odds for this patient: conditions raise the analytes they are known to move. */
function odds(key: AnalyteKey, a: Analyte, s: LabSubject): { low: number; high: number; critical: number } {
  let { pLow: low, pHigh: high, pCritical: critical } = a;
  const has = (c: Condition): boolean => s.conditions.has(c);
  switch (key) {
    case 'glucose':
      if (has('diabetes')) high = 0.65;
      if (s.diabeticCrisis) {
        high = 0.95;
        critical = 0.15;
      }
      break;
    case 'creatinine':
    case 'bun':
      if (has('ckd')) high = s.ckdStage === '4' ? 0.97 : 0.8;
      break;
    case 'potassium':
      if (has('ckd')) high = 0.15;
      if (has('heartFailure')) low = 0.15;
      break;
    case 'sodium':
      if (has('heartFailure')) low = 0.2;
      break;
    case 'hemoglobin':
    case 'hematocrit':
      if (has('ckd')) low = 0.5;
      break;
    case 'co2':
      if (has('ckd')) low = 0.25;
      if (has('copd')) high = 0.2;
      break;
    case 'wbc':
      if (s.infection) high = 0.55;
      break;
    case 'inr':
      if (s.onWarfarin) {
        // Anticoagulated patients are meant to sit above the normal interval (target 2-3).
        high = 0.97;
        critical = 0.03;
      }
      break;
  }
  return { low, high, critical };
}

function interval(a: Analyte, sex: 'M' | 'F'): { low: number; high: number } {
  return sex === 'F' && a.female ? a.female : { low: a.low, high: a.high };
}

export function flagFor(value: number, a: Analyte, low: number, high: number): LabValue['flag'] {
  if (a.critLow !== undefined && value < a.critLow) return 'LL';
  if (a.critHigh !== undefined && value > a.critHigh) return 'HH';
  if (value < low) return 'L';
  if (value > high) return 'H';
  return '';
}

function drawTendency(r: Random, p: { low: number; high: number }): Tendency {
  const u = r.next();
  if (u < p.low) return 'low';
  if (u < p.low + p.high) return 'high';
  return 'normal';
}

function sample(r: Random, key: AnalyteKey, a: Analyte, s: LabSubject, tendency: Tendency, critical: boolean): number {
  const { low, high } = interval(a, s.sex);
  const width = high - low;
  const floor = Math.max(0, low - width * 3);
  if (key === 'hba1c') {
    // ADA Standards of Care: < 5.7% normal, 5.7-6.4% prediabetes, >= 6.5% diabetes.
    return s.conditions.has('diabetes') ? Math.min(14, Math.max(5.8, r.normal(8.0, 1.3))) : Math.max(4.3, r.normal(5.4, 0.35));
  }
  if (key === 'inr' && s.onWarfarin && !critical) return Math.max(1.2, r.normal(2.5, 0.55));
  if (critical) {
    const highSide = a.critLow === undefined || (a.critHigh !== undefined && tendency !== 'low' && r.chance(0.5));
    if (highSide && a.critHigh !== undefined) return a.critHigh + (a.critHigh - high) * r.uniform(0.03, 0.4);
    if (a.critLow !== undefined) return Math.max(floor * 0.5, a.critLow - (low - a.critLow) * r.uniform(0.03, 0.3));
  }
  // Abnormal values cluster just outside the interval and thin out towards the critical limit.
  const u = r.next();
  const spread = 0.03 + 0.92 * u * u;
  switch (tendency) {
    case 'high': {
      const top = a.critHigh ?? high + width * a.reach;
      return high + (top - high) * spread;
    }
    case 'low': {
      const bottom = Math.max(floor, a.critLow ?? low - width * a.reach);
      return low - (low - bottom) * spread;
    }
    default:
      return Math.min(high, Math.max(low, r.normal((low + high) / 2, width / 5)));
  }
}

/** One analyte's value for this draw; updates the patient's tendency (day-to-day drift). */
export function drawValue(r: Random, key: AnalyteKey, s: LabSubject): LabValue {
  const a: Analyte = ANALYTES[key];
  const p = odds(key, a, s);
  let tendency = s.tendencies.get(key);
  // A quarter of the time the tendency is drawn again: patients get better, or worse.
  if (tendency === undefined || r.chance(0.25)) {
    tendency = drawTendency(r, p);
    s.tendencies.set(key, tendency);
  }
  const critical = p.critical > 0 && r.chance(p.critical);
  const { low, high } = interval(a, s.sex);
  const raw = sample(r, key, a, s, tendency, critical);
  const text = raw.toFixed(a.decimals);
  const value = Number(text);
  return { key, analyte: a, value, text, low, high, flag: flagFor(value, a, low, high) };
}

export function rangeText(v: LabValue): string {
  const a = v.analyte;
  return a.rangeText ?? `${v.low.toFixed(a.decimals)}-${v.high.toFixed(a.decimals)}`;
}
