// Synthetic patients: names, medical record numbers, demographics, chronic conditions, home
// medications, allergies and insurance. Everything here is PHI-shaped but made up; in canary mode
// every name and identifier carries the string CANARY, so PHI-leak tests can search for it.

import { CONDITION_PREVALENCE, type CkdStage, type Condition } from './diagnoses.ts';
import { drawCoverage, type CoverageInfo } from './coverage.ts';
import { hl7Date } from './hl7-text.ts';
import { ALLERGENS, type Allergen, type MedicationKey } from './medications.ts';
import type { Random } from './random.ts';

export interface Patient {
  /** Opaque simulator index (not an MRN): what the sender hashes to pin a patient to a connection. */
  ref: string;
  mrn: string;
  family: string;
  given: string;
  middle: string;
  sex: 'M' | 'F';
  birthMs: number;
  address: { street: string; city: string; state: string; zip: string };
  /** Area code and local number of a fictional (555-01xx) telephone. */
  phone: readonly [string, string];
  conditions: Set<Condition>;
  ckdStage?: CkdStage;
  heartFailure?: 'systolic' | 'diastolic';
  homeMeds: MedicationKey[];
  allergies: Allergen[];
  coverage: CoverageInfo | undefined;
  inHouse: boolean;
  deceased: boolean;
}

// Common US surnames (Census 2010 surname list) and given names (SSA popular names), combined at
// random: believable, not anyone in particular.
const SURNAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts',
  "O'Brien", 'Kowalski', 'Patel', 'Kim', 'Chen', 'Murphy', 'Cook', 'Rogers', 'Morgan', 'Peterson',
];
const FEMALE = [
  'Mary', 'Patricia', 'Jennifer', 'Linda', 'Elizabeth', 'Barbara', 'Susan', 'Jessica', 'Sarah', 'Karen',
  'Lisa', 'Nancy', 'Betty', 'Sandra', 'Margaret', 'Ashley', 'Kimberly', 'Emily', 'Donna', 'Michelle',
  'Carol', 'Amanda', 'Melissa', 'Deborah', 'Stephanie', 'Dorothy', 'Rebecca', 'Sharon', 'Laura', 'Maria',
];
const MALE = [
  'James', 'Robert', 'John', 'Michael', 'David', 'William', 'Richard', 'Joseph', 'Thomas', 'Christopher',
  'Charles', 'Daniel', 'Matthew', 'Anthony', 'Mark', 'Donald', 'Steven', 'Andrew', 'Paul', 'Joshua',
  'Kenneth', 'Kevin', 'Brian', 'George', 'Timothy', 'Ronald', 'Jason', 'Edward', 'Jeffrey', 'Ryan',
];
const STREETS = ['Maple St', 'Oak Ave', 'Cedar Ln', 'Elm St', 'Washington Blvd', 'Lakeview Dr', 'Park Ave', 'Hillcrest Rd', 'River Rd', 'Pine St'];
const TOWNS: readonly (readonly [string, string])[] = [
  ['Riverton', '62701'],
  ['Fairview', '62702'],
  ['Millbrook', '62704'],
  ['Cedar Falls', '62707'],
  ['Oak Grove', '62711'],
];
const AREA_CODES = ['217', '309', '618', '779'];

const YEAR_MS = 365.25 * 24 * 3600_000;

/** Age bands of adult patients. Inpatients skew old (HCUP: about 4 in 10 adult stays are 65+). */
const AGES: Record<'inpatient' | 'emergency', readonly (readonly [readonly [number, number], number])[]> = {
  inpatient: [
    [[18, 44], 0.2],
    [[45, 64], 0.3],
    [[65, 79], 0.32],
    [[80, 97], 0.18],
  ],
  emergency: [
    [[18, 44], 0.5],
    [[45, 64], 0.27],
    [[65, 79], 0.15],
    [[80, 97], 0.08],
  ],
};

export function ageAt(p: Patient, at: number): number {
  return Math.floor((at - p.birthMs) / YEAR_MS);
}

export function birthDate(p: Patient): string {
  return hl7Date(p.birthMs);
}

function drawConditions(r: Random, age: number): Set<Condition> {
  const conditions = new Set<Condition>();
  const old = age >= 65 ? 1 : 0;
  for (const [condition, prevalence] of Object.entries(CONDITION_PREVALENCE) as [Condition, readonly [number, number]][]) {
    let p = prevalence[old];
    // Diabetes and hypertension are the leading causes of CKD (CDC CKD Surveillance System).
    if (condition === 'ckd' && (conditions.has('diabetes') || conditions.has('hypertension'))) p *= 1.5;
    if (r.chance(p)) conditions.add(condition);
  }
  return conditions;
}

/** Home medications that follow from the conditions (first-line choices, with some variety). */
function drawHomeMeds(r: Random, p: Patient): MedicationKey[] {
  const meds = new Set<MedicationKey>();
  const has = (c: Condition): boolean => p.conditions.has(c);
  if (has('diabetes')) {
    // Metformin is avoided below an eGFR of 30 (FDA label), i.e. in CKD stage 4.
    if (p.ckdStage === '4' || r.chance(0.3)) meds.add('insulinGlargine');
    else meds.add('metformin');
    if (r.chance(0.5)) meds.add('atorvastatin');
  }
  if (has('hypertension')) {
    if (r.chance(0.55)) meds.add('lisinopril');
    if (r.chance(0.4)) meds.add('amlodipine');
  }
  if (has('heartFailure')) {
    meds.add('furosemide');
    if (r.chance(0.7)) meds.add('lisinopril');
    if (r.chance(0.7)) meds.add('metoprolol');
    if (r.chance(0.3)) meds.add('spironolactone');
    if (r.chance(0.2)) meds.add('digoxin');
  }
  if (has('afib')) {
    meds.add(r.chance(0.5) ? 'warfarin' : 'apixaban');
    if (r.chance(0.6)) meds.add('metoprolol');
    if (r.chance(0.2)) meds.add('digoxin');
    if (r.chance(0.2)) meds.add('amiodarone');
  }
  if (has('cad')) {
    if (r.chance(0.8)) meds.add('aspirin');
    if (r.chance(0.8)) meds.add('atorvastatin');
  }
  if (has('copd')) {
    if (r.chance(0.6)) meds.add('tiotropium');
    if (r.chance(0.8)) meds.add('albuterol');
  }
  if (has('kidneyTransplant')) {
    meds.add('cyclosporine');
    if (r.chance(0.8)) meds.add('prednisone');
  }
  if (r.chance(0.15)) meds.add('omeprazole');
  return [...meds];
}

/** A new patient; `required` forces a condition (the one an admission for, say, a COPD flare implies). */
export function createPatient(
  r: Random,
  index: number,
  at: number,
  setting: 'inpatient' | 'emergency',
  canary: boolean,
  required: Condition | undefined,
  mrnBase: number,
): Patient {
  const [minAge, maxAge] = r.weighted(AGES[setting]);
  const age = r.int(minAge, maxAge);
  const birthMs = Math.floor((at - (age + r.next()) * YEAR_MS) / 86_400_000) * 86_400_000;
  const sex = r.chance(0.52) ? 'F' : 'M';
  const [town, zip] = r.pick(TOWNS);
  let family = r.pick(SURNAMES);
  let given = r.pick(sex === 'F' ? FEMALE : MALE);
  let street = `${r.int(10, 9899)} ${r.pick(STREETS)}`;
  // MRNs are unique within a run by construction (index-based) but do not visibly count up; the
  // base differs between seeds, so separate runs rarely reuse a number.
  let mrn = String(20_000_000 + mrnBase + index * 13 + r.int(0, 12));
  if (canary) {
    family = `${family}-CANARY`;
    given = `${given}-CANARY`;
    street = `${street} CANARY`;
    mrn = `CANARY${mrn}`;
  }
  const patient: Patient = {
    ref: `p${index}`,
    mrn,
    family,
    given,
    middle: String.fromCharCode(65 + r.int(0, 25)),
    sex,
    birthMs,
    address: { street, city: town, state: 'IL', zip },
    phone: [r.pick(AREA_CODES), `5550${r.int(100, 199)}`],
    conditions: drawConditions(r, age),
    homeMeds: [],
    allergies: ALLERGENS.filter(([, p]) => r.chance(p)).map(([a]) => a),
    coverage: drawCoverage(r, age, canary),
    inHouse: false,
    deceased: false,
  };
  if (required) patient.conditions.add(required);
  if (patient.conditions.has('ckd')) patient.ckdStage = r.weighted<CkdStage>([['3a', 0.45], ['3b', 0.35], ['4', 0.2]]);
  if (patient.conditions.has('heartFailure')) patient.heartFailure = r.chance(0.5) ? 'systolic' : 'diastolic';
  patient.homeMeds = drawHomeMeds(r, patient);
  return patient;
}
