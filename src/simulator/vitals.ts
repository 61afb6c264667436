// Vital signs as nursing charts them, coded with LOINC: the parameters of NEWS2 (Royal College of
// Physicians, National Early Warning Score 2, 2017): respiratory rate, SpO2, supplemental oxygen,
// systolic pressure, pulse, consciousness (ACVPU) and temperature, plus diastolic pressure.
// Values follow the patient's acuity (0 well, 1 critically ill), which drifts between sets.

import type { Random } from './random.ts';

export interface VitalSign {
  loinc: string;
  display: string;
  /** NM numeric, CWE coded. */
  type: 'NM' | 'CWE';
  value: string;
  /** UCUM units, for numeric values. */
  units?: string;
}

export const VITAL_SIGNS_PANEL = { loinc: '85353-1', display: 'Vital signs, weight, height, head circumference, oxygen saturation and BMI panel' } as const;

export interface VitalsSubject {
  acuity: number;
  copd: boolean;
  infection: boolean;
}

// ACVPU is sent with the letter as a local code: the LOINC answer codes published for AVPU have no
// standard member for "new confusion", and the letter is what early-warning scores read.
const ACVPU: readonly (readonly [string, string])[] = [
  ['A', 'Alert'],
  ['C', 'New confusion'],
  ['V', 'Responds to voice'],
  ['P', 'Responds to pain'],
  ['U', 'Unresponsive'],
];

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** One set of vital signs; nudges the subject's acuity a little (patients drift). */
export function drawVitals(r: Random, s: VitalsSubject): VitalSign[] {
  s.acuity = clamp(s.acuity + r.normal(0, 0.04), 0, 1);
  const a = s.acuity;
  const onOxygen = a > 0.55 || (s.copd && r.chance(0.4)) || r.chance(0.05);
  const flow = onOxygen ? r.int(1, a > 0.8 ? 10 : 4) : 0;
  const spo2 = clamp(Math.round(r.normal(97 - 5 * a - (s.copd ? 3 : 0) + (onOxygen ? 1.5 : 0), 1.5)), 75, 100);
  const heartRate = clamp(Math.round(r.normal(78 + 28 * a, 11)), 35, 180);
  const respRate = clamp(Math.round(r.normal(16 + 7 * a, 2)), 8, 40);
  const systolic = clamp(Math.round(r.normal(130 - 15 * a, 16)), 70, 220);
  const diastolic = clamp(Math.round(systolic * r.normal(0.6, 0.05)), 35, 130);
  const temperature = clamp(r.normal(36.8 + 0.4 * a + (s.infection ? 0.6 : 0), 0.35), 34.5, 41.5);
  const confused = 0.01 + 0.25 * a * a;
  const [letter, meaning] = r.weighted<readonly [string, string]>([
    [ACVPU[0]!, 1 - confused],
    [ACVPU[1]!, confused * 0.5],
    [ACVPU[2]!, confused * 0.3],
    [ACVPU[3]!, confused * 0.15],
    [ACVPU[4]!, confused * 0.05],
  ]);
  const signs: VitalSign[] = [
    { loinc: '8867-4', display: 'Heart rate', type: 'NM', value: String(heartRate), units: '/min' },
    { loinc: '9279-1', display: 'Respiratory rate', type: 'NM', value: String(respRate), units: '/min' },
    { loinc: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', type: 'NM', value: String(spo2), units: '%' },
    { loinc: '8480-6', display: 'Systolic blood pressure', type: 'NM', value: String(systolic), units: 'mm[Hg]' },
    { loinc: '8462-4', display: 'Diastolic blood pressure', type: 'NM', value: String(diastolic), units: 'mm[Hg]' },
    { loinc: '8310-5', display: 'Body temperature', type: 'NM', value: temperature.toFixed(1), units: 'Cel' },
    { loinc: '67775-7', display: 'Level of responsiveness', type: 'CWE', value: `${letter}^${meaning}^L` },
  ];
  // Room air is charted as a flow of 0, so a reader never has to guess from a missing value.
  signs.push({ loinc: '3151-8', display: 'Inhaled oxygen flow rate', type: 'NM', value: String(flow), units: 'L/min' });
  return signs;
}
