// Which rules of the knowledge base a newly ordered drug triggers against the drugs already given.
// Rules are symmetric: a rule between A and B matches a new A with an active B and a new B with an
// active A. An ingredient never interacts with itself (a duplicate order is another check's job).
import type { IngredientRef, InteractionKnowledgeBase, InteractionRule } from './types.ts';

export interface InteractionMatch {
  rule: InteractionRule;
  /** The ingredient of the new order, named as the knowledge base names it. */
  ordered: IngredientRef;
  /** The active ingredient it interacts with. */
  active: IngredientRef;
}

/** Rules that link ingredient `a` with ingredient `b`, in either direction, in knowledge-base order. */
export function rulesBetween(a: string, b: string, kb: InteractionKnowledgeBase): InteractionRule[] {
  if (a === b) return [];
  return kb.interactions.filter((r) => (r.a.members.has(a) && r.b.members.has(b)) || (r.b.members.has(a) && r.a.members.has(b)));
}

/**
 * Every (rule, ordered ingredient, active ingredient) match, once each, in knowledge-base order and
 * then in the order the ingredients were given: deterministic for the same input.
 */
export function findInteractions(ordered: readonly IngredientRef[], active: readonly IngredientRef[], kb: InteractionKnowledgeBase): InteractionMatch[] {
  const matches: InteractionMatch[] = [];
  const seen = new Set<string>();
  for (const rule of kb.interactions) {
    for (const o of ordered) {
      for (const x of active) {
        if (o.code === x.code) continue;
        const forward = rule.a.members.has(o.code) && rule.b.members.has(x.code);
        const backward = rule.b.members.has(o.code) && rule.a.members.has(x.code);
        if (!forward && !backward) continue;
        const key = `${rule.id}\u0000${o.code}\u0000${x.code}`;
        if (seen.has(key)) continue;
        seen.add(key);
        matches.push({ rule, ordered: { code: o.code, name: nameIn(rule, o) }, active: { code: x.code, name: nameIn(rule, x) } });
      }
    }
  }
  return matches;
}

function nameIn(rule: InteractionRule, ingredient: IngredientRef): string {
  return rule.a.members.get(ingredient.code) ?? rule.b.members.get(ingredient.code) ?? ingredient.name;
}
