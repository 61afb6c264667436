// The adjusted risk of an interaction for this patient. Severity is the source's rating of the pair
// and never changes; the adjusted risk starts from it and moves one step per applicable modifier:
//
//   scale:  low < moderate < high < very high
//   base:   contraindicated -> very high, high -> high, moderate -> moderate
//   each 'raise' modifier +1 step, each 'lower' modifier -1 step, clamped to the scale's ends.
//
// So warfarin + an NSAID (high) is 'moderate' with a PPI, 'very high' over 65 or with a systemic
// corticosteroid, and 'high' over 65 with a PPI. A modifier whose facts are unknown (no age in the
// history, no dose on the order) does not apply: the risk is then the base, never lowered.
import type { RiskModifier, Severity } from './types.ts';

export const RISK_LEVELS = ['low', 'moderate', 'high', 'very high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const BASE_RISK: Readonly<Record<Severity, RiskLevel>> = {
  contraindicated: 'very high',
  high: 'high',
  moderate: 'moderate',
};

/** What the modifiers' conditions are evaluated against. */
export interface ModifierFacts {
  /** Age in whole years at the order, when known. */
  age?: number;
  /** Ingredients of the active medications and of the ordered product itself (combination products count). */
  ingredientCodes: ReadonlySet<string>;
  /** Ingredients of the ordered product. */
  orderedIngredientCodes: ReadonlySet<string>;
  /** The ordered dose per administration, when the order carries one. */
  orderedDose?: { value?: number; units?: string };
}

export function modifierApplies(modifier: RiskModifier, facts: ModifierFacts): boolean {
  const { ageOver, activeIngredientIn, orderedDoseAtLeast } = modifier.when;
  if (ageOver !== undefined && !(facts.age !== undefined && facts.age > ageOver)) return false;
  if (activeIngredientIn !== undefined && ![...facts.ingredientCodes].some((c) => activeIngredientIn.members.has(c))) return false;
  if (orderedDoseAtLeast !== undefined) {
    const dose = facts.orderedDose;
    if (!facts.orderedIngredientCodes.has(orderedDoseAtLeast.ingredient)) return false;
    // Units must match as written (case aside): converting between mass units is not worth the risk
    // of a wrong factor for a condition that only ever raises the level.
    if (dose?.value === undefined || dose.units === undefined) return false;
    if (dose.units.trim().toLowerCase() !== orderedDoseAtLeast.units.toLowerCase()) return false;
    if (dose.value < orderedDoseAtLeast.value) return false;
  }
  return true;
}

export function applicableModifiers(modifiers: readonly RiskModifier[], facts: ModifierFacts): RiskModifier[] {
  return modifiers.filter((m) => modifierApplies(m, facts));
}

export function adjustedRisk(severity: Severity, applied: readonly Pick<RiskModifier, 'effect'>[]): RiskLevel {
  const base = RISK_LEVELS.indexOf(BASE_RISK[severity]);
  const steps = applied.reduce((n, m) => n + (m.effect === 'raise' ? 1 : -1), 0);
  const index = Math.min(RISK_LEVELS.length - 1, Math.max(0, base + steps));
  return RISK_LEVELS[index] as RiskLevel;
}
