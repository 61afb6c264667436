// Medications the simulated pharmacy verifies (RDE^O11), coded with RxNorm ingredient concepts
// (RXCUIs as published by the NLM's RxNav), with a usual adult dose, route and frequency.

export interface Route {
  /** HL7 table 0162 route of administration. */
  code: 'PO' | 'IV' | 'SC' | 'IH';
  display: string;
}

const ORAL: Route = { code: 'PO', display: 'Oral' };
const IV: Route = { code: 'IV', display: 'Intravenous' };
const SUBCUT: Route = { code: 'SC', display: 'Subcutaneous' };
const INHALED: Route = { code: 'IH', display: 'Inhalation' };

export interface MedicationDef {
  rxnorm: string;
  name: string;
  dose: number;
  /** UCUM unit of the dose. */
  units: string;
  route: Route;
  /** HL7 table 0335 repeat pattern (TQ1-3), e.g. BID, Q8H, QHS, PRNQ6H. */
  frequency: string;
  /** Condition of an as-needed order (TQ1-10). */
  asNeeded?: string;
}

const med = (rxnorm: string, name: string, dose: number, units: string, route: Route, frequency: string, asNeeded?: string): MedicationDef =>
  asNeeded === undefined ? { rxnorm, name, dose, units, route, frequency } : { rxnorm, name, dose, units, route, frequency, asNeeded };

export const MEDICATIONS = {
  warfarin: med('11289', 'warfarin', 5, 'mg', ORAL, 'QPM'),
  apixaban: med('1364430', 'apixaban', 5, 'mg', ORAL, 'BID'),
  ibuprofen: med('5640', 'ibuprofen', 400, 'mg', ORAL, 'PRNQ6H', 'pain'),
  naproxen: med('7258', 'naproxen', 500, 'mg', ORAL, 'PRNQ12H', 'pain'),
  digoxin: med('3407', 'digoxin', 0.125, 'mg', ORAL, 'QAM'),
  amiodarone: med('703', 'amiodarone', 200, 'mg', ORAL, 'QAM'),
  cyclosporine: med('3008', 'cyclosporine', 100, 'mg', ORAL, 'Q12H'),
  metformin: med('6809', 'metformin', 500, 'mg', ORAL, 'BID'),
  insulinGlargine: med('274783', 'insulin glargine', 10, '[iU]', SUBCUT, 'QHS'),
  lisinopril: med('29046', 'lisinopril', 10, 'mg', ORAL, 'QAM'),
  amlodipine: med('17767', 'amlodipine', 5, 'mg', ORAL, 'QAM'),
  metoprolol: med('6918', 'metoprolol', 25, 'mg', ORAL, 'BID'),
  furosemide: med('4603', 'furosemide', 40, 'mg', ORAL, 'QAM'),
  furosemideIv: med('4603', 'furosemide', 40, 'mg', IV, 'Q12H'),
  spironolactone: med('9997', 'spironolactone', 25, 'mg', ORAL, 'QAM'),
  atorvastatin: med('83367', 'atorvastatin', 40, 'mg', ORAL, 'QHS'),
  aspirin: med('1191', 'aspirin', 81, 'mg', ORAL, 'QAM'),
  omeprazole: med('7646', 'omeprazole', 20, 'mg', ORAL, 'QAM'),
  pantoprazole: med('40790', 'pantoprazole', 40, 'mg', IV, 'Q12H'),
  prednisone: med('8640', 'prednisone', 40, 'mg', ORAL, 'QAM'),
  tiotropium: med('69120', 'tiotropium', 18, 'ug', INHALED, 'QAM'),
  albuterol: med('435', 'albuterol', 2.5, 'mg', INHALED, 'PRNQ4H', 'wheezing'),
  heparin: med('5224', 'heparin', 5000, '[iU]', SUBCUT, 'Q8H'),
  enoxaparin: med('67108', 'enoxaparin', 40, 'mg', SUBCUT, 'Q24H'),
  acetaminophen: med('161', 'acetaminophen', 650, 'mg', ORAL, 'PRNQ6H', 'pain or fever'),
  ondansetron: med('26225', 'ondansetron', 4, 'mg', IV, 'PRNQ6H', 'nausea'),
  ceftriaxone: med('2193', 'ceftriaxone', 1, 'g', IV, 'Q24H'),
  cefazolin: med('2180', 'cefazolin', 2, 'g', IV, 'Q8H'),
} as const satisfies Record<string, MedicationDef>;

export type MedicationKey = keyof typeof MEDICATIONS;

/**
 * Pairs with a well-known interaction (the drug-interaction consumer's job is to catch them):
 * warfarin with an NSAID (bleeding), digoxin with amiodarone or cyclosporine (digoxin toxicity),
 * as listed in the FDA labels of warfarin (Coumadin) and digoxin (Lanoxin).
 */
export const INTERACTING_PAIRS: readonly (readonly [string, string])[] = [
  ['11289', '5640'],
  ['11289', '7258'],
  ['3407', '703'],
  ['3407', '3008'],
];

export interface Allergen {
  rxnorm: string;
  name: string;
  reaction: string;
}

// About 10% of US patients carry a penicillin allergy label (CDC, "Is it really a penicillin
// allergy?"); sulfonamide antibiotic labels are the next most common (assumption: 3%).
export const ALLERGENS: readonly (readonly [Allergen, number])[] = [
  [{ rxnorm: '70618', name: 'penicillin', reaction: 'Hives' }, 0.1],
  [{ rxnorm: '10180', name: 'sulfamethoxazole', reaction: 'Rash' }, 0.03],
];
