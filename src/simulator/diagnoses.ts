// Diagnoses the simulated hospital sees, coded in ICD-10-CM (FY2024 code set): the chronic
// conditions patients carry, the principal reasons for admission, the reasons for emergency
// visits that end at home, and problems that appear during a stay.

import type { MedicationKey } from './medications.ts';
import type { UnitKind } from './units.ts';

export interface DiagnosisCode {
  code: string;
  display: string;
}

export type Condition =
  | 'diabetes'
  | 'hypertension'
  | 'heartFailure'
  | 'copd'
  | 'ckd'
  | 'afib'
  | 'cad'
  | 'kidneyTransplant';

/**
 * Share of adult inpatients with each condition, under 65 and 65 or older. Assumptions shaped by
 * CDC figures (National Diabetes Statistics Report 2023: diabetes in 29.2% of adults 65+; CDC CKD
 * Surveillance: CKD in about a third of adults 65+), raised for a hospitalized population.
 */
export const CONDITION_PREVALENCE: Record<Condition, readonly [number, number]> = {
  diabetes: [0.15, 0.3],
  hypertension: [0.3, 0.7],
  heartFailure: [0.03, 0.15],
  copd: [0.04, 0.12],
  ckd: [0.06, 0.25],
  afib: [0.015, 0.12],
  cad: [0.04, 0.2],
  kidneyTransplant: [0.004, 0.004],
};

export type CkdStage = '3a' | '3b' | '4';

const dx = (code: string, display: string): DiagnosisCode => ({ code, display });

export const CHRONIC = {
  diabetes: dx('E11.9', 'Type 2 diabetes mellitus without complications'),
  diabetesHyperglycemia: dx('E11.65', 'Type 2 diabetes mellitus with hyperglycemia'),
  diabetesCkd: dx('E11.22', 'Type 2 diabetes mellitus with diabetic chronic kidney disease'),
  hypertension: dx('I10', 'Essential (primary) hypertension'),
  // ICD-10-CM presumes a causal link between hypertension and heart or kidney disease
  // (guideline I.C.9.a), so a patient with both gets a combination code instead of I10.
  hypertensiveHeart: dx('I11.0', 'Hypertensive heart disease with heart failure'),
  hypertensiveKidney: dx('I12.9', 'Hypertensive chronic kidney disease with stage 1 through stage 4 chronic kidney disease, or unspecified chronic kidney disease'),
  hypertensiveHeartKidney: dx('I13.0', 'Hypertensive heart and chronic kidney disease with heart failure and stage 1 through stage 4 chronic kidney disease, or unspecified chronic kidney disease'),
  systolicHf: dx('I50.22', 'Chronic systolic (congestive) heart failure'),
  diastolicHf: dx('I50.32', 'Chronic diastolic (congestive) heart failure'),
  copd: dx('J44.9', 'Chronic obstructive pulmonary disease, unspecified'),
  ckd3a: dx('N18.31', 'Chronic kidney disease, stage 3a'),
  ckd3b: dx('N18.32', 'Chronic kidney disease, stage 3b'),
  ckd4: dx('N18.4', 'Chronic kidney disease, stage 4 (severe)'),
  afib: dx('I48.20', 'Chronic atrial fibrillation, unspecified'),
  cad: dx('I25.10', 'Atherosclerotic heart disease of native coronary artery without angina pectoris'),
  kidneyTransplant: dx('Z94.0', 'Kidney transplant status'),
  anticoagulant: dx('Z79.01', 'Long term (current) use of anticoagulants'),
  insulin: dx('Z79.4', 'Long term (current) use of insulin'),
  oralHypoglycemic: dx('Z79.84', 'Long term (current) use of oral hypoglycemic drugs'),
} as const;

export type Service = 'MED' | 'SUR' | 'CAR' | 'NEU' | 'EMR';

export interface AdmissionReason {
  dx: DiagnosisCode;
  /** Relative frequency among admissions. */
  weight: number;
  unit: Exclude<UnitKind, 'emergency'>;
  /** Chance the stay starts in intensive care instead. */
  icu: number;
  service: Service;
  /** Only patients with this condition are admitted for it. */
  requires?: Condition;
  /** Scheduled (elective) admissions, which come in directly rather than through the ED. */
  elective?: boolean;
  /** Median length of stay in days (log-normal around it). */
  losDays: number;
  /** CPT codes of imaging ordered early in the stay. */
  imaging: readonly string[];
  /** CPT codes of outpatient imaging ordered at discharge (no result within the stay). */
  followUpImaging?: readonly string[];
  /** Medication keys (see medications.ts) started for this problem. */
  meds: readonly MedicationKey[];
  infection?: boolean;
}

// Weights follow the order of the most frequent principal diagnoses of US stays (HCUP Statistical
// Brief #277, 2018: septicemia first, then osteoarthritis, heart failure, pneumonia, ...), adults
// only. The overall median length of stay is about 4 days (HCUP: mean 4.5 days in 2012-2018).
// ICU shares are assumptions that put about 1 in 7 admissions through intensive care.
export const ADMISSION_REASONS: readonly AdmissionReason[] = [
  { dx: dx('A41.9', 'Sepsis, unspecified organism'), weight: 10, unit: 'ward', icu: 0.3, service: 'MED', losDays: 5, imaging: ['71045'], meds: ['ceftriaxone'], infection: true },
  { dx: dx('J18.9', 'Pneumonia, unspecified organism'), weight: 7, unit: 'ward', icu: 0.12, service: 'MED', losDays: 4, imaging: ['71046'], meds: ['ceftriaxone'], infection: true },
  { dx: dx('I50.23', 'Acute on chronic systolic (congestive) heart failure'), weight: 5, unit: 'telemetry', icu: 0.1, service: 'CAR', requires: 'heartFailure', losDays: 4.5, imaging: ['71046', '93306'], meds: ['furosemideIv'] },
  { dx: dx('I50.33', 'Acute on chronic diastolic (congestive) heart failure'), weight: 3, unit: 'telemetry', icu: 0.08, service: 'CAR', requires: 'heartFailure', losDays: 4, imaging: ['71046', '93306'], meds: ['furosemideIv'] },
  { dx: dx('J44.1', 'Chronic obstructive pulmonary disease with (acute) exacerbation'), weight: 5, unit: 'ward', icu: 0.1, service: 'MED', requires: 'copd', losDays: 4, imaging: ['71046'], meds: ['prednisone', 'albuterol'] },
  { dx: dx('I21.4', 'Non-ST elevation (NSTEMI) myocardial infarction'), weight: 4, unit: 'telemetry', icu: 0.2, service: 'CAR', losDays: 3.5, imaging: ['71046', '93306'], meds: ['aspirin', 'atorvastatin', 'metoprolol'] },
  { dx: dx('R07.9', 'Chest pain, unspecified'), weight: 3, unit: 'telemetry', icu: 0, service: 'CAR', losDays: 1.5, imaging: ['71046'], meds: ['aspirin'] },
  { dx: dx('I48.91', 'Unspecified atrial fibrillation'), weight: 3, unit: 'telemetry', icu: 0.05, service: 'CAR', losDays: 3, imaging: ['71046', '93306'], meds: ['metoprolol', 'amiodarone', 'digoxin'] },
  { dx: dx('I63.9', 'Cerebral infarction, unspecified'), weight: 4, unit: 'ward', icu: 0.25, service: 'NEU', losDays: 4.5, imaging: ['70450', '70553'], meds: ['aspirin', 'atorvastatin'] },
  { dx: dx('K92.2', 'Gastrointestinal hemorrhage, unspecified'), weight: 3, unit: 'ward', icu: 0.25, service: 'MED', losDays: 4, imaging: [], meds: ['pantoprazole'] },
  { dx: dx('N39.0', 'Urinary tract infection, site not specified'), weight: 4, unit: 'ward', icu: 0.03, service: 'MED', losDays: 3.5, imaging: [], meds: ['ceftriaxone'], infection: true },
  { dx: dx('N17.9', 'Acute kidney failure, unspecified'), weight: 3, unit: 'ward', icu: 0.08, service: 'MED', losDays: 4, imaging: ['76705'], meds: [] },
  { dx: dx('E11.10', 'Type 2 diabetes mellitus with ketoacidosis without coma'), weight: 1.5, unit: 'ward', icu: 0.7, service: 'MED', requires: 'diabetes', losDays: 3, imaging: [], meds: ['insulinGlargine'] },
  { dx: dx('L03.90', 'Cellulitis, unspecified'), weight: 3, unit: 'ward', icu: 0, service: 'MED', losDays: 4, imaging: [], meds: ['cefazolin'], infection: true },
  { dx: dx('S72.001A', 'Fracture of unspecified part of neck of right femur, initial encounter for closed fracture'), weight: 2.5, unit: 'ward', icu: 0.05, service: 'SUR', losDays: 5, imaging: ['71046'], meds: ['acetaminophen', 'enoxaparin'] },
  { dx: dx('K35.80', 'Unspecified acute appendicitis'), weight: 2, unit: 'ward', icu: 0, service: 'SUR', losDays: 2, imaging: ['74177'], meds: ['cefazolin', 'ondansetron'], infection: true },
  { dx: dx('R55', 'Syncope and collapse'), weight: 2, unit: 'telemetry', icu: 0, service: 'CAR', losDays: 2, imaging: ['70450'], meds: [] },
  { dx: dx('E87.1', 'Hypo-osmolality and hyponatremia'), weight: 1.5, unit: 'ward', icu: 0.15, service: 'MED', losDays: 3, imaging: [], meds: [] },
  { dx: dx('C34.90', 'Malignant neoplasm of unspecified part of unspecified bronchus or lung'), weight: 1.5, unit: 'ward', icu: 0.05, service: 'MED', losDays: 5, imaging: ['71260'], followUpImaging: ['78815', '70553'], meds: [] },
  { dx: dx('M54.16', 'Radiculopathy, lumbar region'), weight: 1, unit: 'ward', icu: 0, service: 'MED', losDays: 2.5, imaging: ['72148'], meds: ['acetaminophen'] },
  { dx: dx('M17.11', 'Unilateral primary osteoarthritis, right knee'), weight: 4, unit: 'ward', icu: 0, service: 'SUR', elective: true, losDays: 2, imaging: [], meds: ['cefazolin', 'acetaminophen', 'enoxaparin', 'ondansetron'] },
  { dx: dx('M16.11', 'Unilateral primary osteoarthritis, right hip'), weight: 2.5, unit: 'ward', icu: 0, service: 'SUR', elective: true, losDays: 2, imaging: [], meds: ['cefazolin', 'acetaminophen', 'enoxaparin'] },
];

export interface EdReason {
  dx: DiagnosisCode;
  weight: number;
  /** CPT codes, each ordered with the given chance. */
  imaging: readonly (readonly [string, number])[];
  /** Chance that blood work (CBC and BMP) is drawn. */
  labs: number;
  meds: readonly MedicationKey[];
  pain?: boolean;
}

// Reasons for emergency visits that end at home, weighted after the leading reasons for visit in
// the CDC's NHAMCS emergency department summary tables (abdominal pain and chest pain lead).
export const ED_REASONS: readonly EdReason[] = [
  { dx: dx('R10.9', 'Unspecified abdominal pain'), weight: 10, imaging: [['74177', 0.35], ['76705', 0.15]], labs: 0.8, meds: ['ondansetron'], pain: true },
  { dx: dx('R07.9', 'Chest pain, unspecified'), weight: 8, imaging: [['71046', 0.9]], labs: 0.9, meds: ['aspirin'] },
  { dx: dx('J06.9', 'Acute upper respiratory infection, unspecified'), weight: 6, imaging: [['71046', 0.2]], labs: 0.1, meds: ['acetaminophen'] },
  { dx: dx('M54.50', 'Low back pain, unspecified'), weight: 5, imaging: [['72148', 0.05]], labs: 0.1, meds: [], pain: true },
  { dx: dx('R51.9', 'Headache, unspecified'), weight: 4, imaging: [['70450', 0.35]], labs: 0.3, meds: ['acetaminophen'] },
  { dx: dx('S93.401A', 'Sprain of unspecified ligament of right ankle, initial encounter'), weight: 4, imaging: [['73610', 0.8]], labs: 0, meds: [], pain: true },
  { dx: dx('N39.0', 'Urinary tract infection, site not specified'), weight: 4, imaging: [], labs: 0.5, meds: ['ceftriaxone'] },
  { dx: dx('R11.2', 'Nausea with vomiting, unspecified'), weight: 4, imaging: [], labs: 0.6, meds: ['ondansetron'] },
  { dx: dx('K52.9', 'Noninfective gastroenteritis and colitis, unspecified'), weight: 3, imaging: [['74177', 0.1]], labs: 0.5, meds: ['ondansetron'] },
  { dx: dx('R55', 'Syncope and collapse'), weight: 2, imaging: [['70450', 0.4]], labs: 0.9, meds: [] },
  { dx: dx('J45.901', 'Unspecified asthma with (acute) exacerbation'), weight: 2, imaging: [['71046', 0.3]], labs: 0.1, meds: ['albuterol', 'prednisone'] },
];

/** Problems that may be added to the working diagnoses during a stay (sent as ADT^A08). */
export const HOSPITAL_COURSE = {
  hyponatremia: dx('E87.1', 'Hypo-osmolality and hyponatremia'),
  hyperkalemia: dx('E87.5', 'Hyperkalemia'),
  hypokalemia: dx('E87.6', 'Hypokalemia'),
  aki: dx('N17.9', 'Acute kidney failure, unspecified'),
  anemia: dx('D64.9', 'Anemia, unspecified'),
  delirium: dx('F05', 'Delirium due to known physiological condition'),
  hyperglycemia: dx('R73.9', 'Hyperglycemia, unspecified'),
} as const;
