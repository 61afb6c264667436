// The shapes of the drug-interaction knowledge base and the RxNorm ingredient map, as held in memory
// after loading: class references resolved to member codes, source ids checked, so that lookups
// never meet a dangling reference.

/** How bad the combination is, as the cited source rates it. */
export const SEVERITIES = ['contraindicated', 'high', 'moderate'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Where an entry comes from: the ONC high-priority list, or a site addition from labelling. */
export const TIERS = ['onc', 'site'] as const;
export type Tier = (typeof TIERS)[number];

/** An RxNorm ingredient (term type IN). */
export interface IngredientRef {
  code: string;
  name: string;
}

export interface SourceRef {
  id: string;
  citation: string;
  url?: string;
}

/** One side of an interaction, or a modifier's drug condition: a class or a list of ingredients. */
export interface DrugSet {
  /** The class id when the set names a class. */
  classId?: string;
  /** Human label: the class name, or the ingredient names joined. */
  label: string;
  /** Member ingredient code -> name. */
  members: ReadonlyMap<string, string>;
}

export interface DrugClass {
  id: string;
  name: string;
  note?: string;
  source: SourceRef[];
  members: IngredientRef[];
}

export type ModifierEffect = 'raise' | 'lower';

/** All given conditions must hold for a modifier to apply. */
export interface ModifierCondition {
  /** The patient's age in whole years is strictly greater. */
  ageOver?: number;
  /** Some active (or co-ordered) ingredient belongs to the set. */
  activeIngredientIn?: DrugSet;
  /** The ordered product contains the ingredient at this dose or more per administration. */
  orderedDoseAtLeast?: { ingredient: string; value: number; units: string };
}

export interface RiskModifier {
  id: string;
  effect: ModifierEffect;
  when: ModifierCondition;
  /** Clinician-readable statement of what the modifier means. */
  note: string;
  source: SourceRef[];
}

export interface InteractionRule {
  id: string;
  tier: Tier;
  a: DrugSet;
  b: DrugSet;
  severity: Severity;
  mechanism: string;
  management: string;
  source: SourceRef[];
  modifiers: RiskModifier[];
}

export interface InteractionKnowledgeBase {
  name: string;
  version: string;
  sources: ReadonlyMap<string, SourceRef>;
  classes: ReadonlyMap<string, DrugClass>;
  interactions: InteractionRule[];
  /** Every ingredient code the rules and classes name -> its name. */
  ingredients: ReadonlyMap<string, string>;
}

export interface ProductEntry {
  code: string;
  /** RxNorm term type: SCD, SBD, GPCK, BPCK. */
  tty: string;
  name: string;
  ingredients: IngredientRef[];
}

export interface IngredientMap {
  name: string;
  version: string;
  sources: ReadonlyMap<string, SourceRef>;
  /** Ingredient code -> name; each maps to itself. */
  ingredients: ReadonlyMap<string, string>;
  products: ReadonlyMap<string, ProductEntry>;
}
