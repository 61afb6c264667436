// Loads the drug-interaction knowledge base (clinical/drug-interactions.json) and checks every
// entry at load: a malformed entry stops the load with its index and field, so a bad edit never
// runs as a silently missing rule.
import { basename, resolve } from 'node:path';
import { DataReader, join, readJsonFile, type JsonRecord } from './data-reader.ts';
import {
  SEVERITIES,
  TIERS,
  type DrugClass,
  type DrugSet,
  type IngredientRef,
  type InteractionKnowledgeBase,
  type InteractionRule,
  type ModifierCondition,
  type RiskModifier,
  type SourceRef,
} from './types.ts';

export const DEFAULT_KNOWLEDGE_BASE_PATH = resolve(import.meta.dirname, '../../../clinical/drug-interactions.json');

const RULE_KEYS = ['id', 'tier', 'a', 'b', 'severity', 'mechanism', 'management', 'source', 'modifiers', 'note'];
const MODIFIER_KEYS = ['id', 'effect', 'when', 'note', 'source'];
const CONDITION_KEYS = ['age_over', 'active_ingredient_in', 'ordered_dose_at_least'];

export function loadInteractionKnowledgeBase(path: string = DEFAULT_KNOWLEDGE_BASE_PATH): InteractionKnowledgeBase {
  return parseInteractionKnowledgeBase(readJsonFile(path), basename(path));
}

/** Validates parsed JSON as a knowledge base; throws ClinicalDataError naming the entry and field. */
export function parseInteractionKnowledgeBase(input: unknown, file = 'drug-interactions.json'): InteractionKnowledgeBase {
  // Annotated so that TypeScript narrows after r.fail(), which never returns.
  const r: DataReader = new DataReader(file);
  const root = r.object(input, '(root)');
  const name = r.string(root, 'name', '');
  const version = r.string(root, 'version', '');
  const sources = r.sources(root);
  const ingredients = new Map<string, string>();

  const ingredientList = (raw: unknown, path: string): IngredientRef[] =>
    r.array(raw, path, { nonEmpty: true }).map((item, i) => {
      const at = `${path}[${i}]`;
      const obj = r.object(item, at);
      r.onlyKeys(obj, at, ['code', 'name']);
      const ref = { code: r.rxcui(obj.code, join(at, 'code')), name: r.string(obj, 'name', at) };
      const known = ingredients.get(ref.code);
      // One code, one name across the file: a mismatch usually means a mistyped code.
      if (known !== undefined && known !== ref.name) r.fail(join(at, 'name'), `is "${ref.name}" but code ${ref.code} is "${known}" elsewhere in the file`);
      ingredients.set(ref.code, ref.name);
      return ref;
    });

  const classes = new Map<string, DrugClass>();
  const rawClasses = r.object(root.classes, 'classes');
  for (const [id, raw] of Object.entries(rawClasses)) {
    const path = `classes.${id}`;
    if (!/^[a-z0-9][a-z0-9-]{0,79}$/.test(id)) r.fail(path, 'class ids must be lower-case letters, digits and hyphens');
    const obj = r.object(raw, path);
    r.onlyKeys(obj, path, ['name', 'note', 'source', 'members']);
    const cls: DrugClass = { id, name: r.string(obj, 'name', path), source: r.sourceRefs(obj, path, sources), members: ingredientList(obj.members, join(path, 'members')) };
    const note = r.optionalString(obj, 'note', path);
    if (note !== undefined) cls.note = note;
    classes.set(id, cls);
  }

  const drugSet = (raw: unknown, path: string): DrugSet => {
    const obj = r.object(raw, path);
    r.onlyKeys(obj, path, ['class', 'ingredients']);
    if ((obj.class === undefined) === (obj.ingredients === undefined)) r.fail(path, 'must have exactly one of "class" or "ingredients"');
    if (obj.class !== undefined) {
      const classId = r.string(obj, 'class', path);
      const cls = classes.get(classId);
      if (!cls) r.fail(join(path, 'class'), `names class "${classId}", which is not defined under classes`);
      return { classId, label: cls.name, members: new Map(cls.members.map((m) => [m.code, m.name])) };
    }
    const list = ingredientList(obj.ingredients, join(path, 'ingredients'));
    return { label: list.map((m) => m.name).join(', '), members: new Map(list.map((m) => [m.code, m.name])) };
  };

  const condition = (raw: unknown, path: string): ModifierCondition => {
    const obj = r.object(raw, path);
    r.onlyKeys(obj, path, CONDITION_KEYS);
    if (Object.keys(obj).length === 0) r.fail(path, `must have at least one condition (${CONDITION_KEYS.join(', ')})`);
    const when: ModifierCondition = {};
    if (obj.age_over !== undefined) {
      const age = r.number(obj, 'age_over', path);
      if (age < 0 || age > 130) r.fail(join(path, 'age_over'), 'must be an age in years (0-130)');
      when.ageOver = age;
    }
    if (obj.active_ingredient_in !== undefined) when.activeIngredientIn = drugSet(obj.active_ingredient_in, join(path, 'active_ingredient_in'));
    if (obj.ordered_dose_at_least !== undefined) {
      const at = join(path, 'ordered_dose_at_least');
      const dose = r.object(obj.ordered_dose_at_least, at);
      r.onlyKeys(dose, at, ['ingredient', 'value', 'units']);
      const value = r.number(dose, 'value', at);
      if (value <= 0) r.fail(join(at, 'value'), 'must be positive');
      when.orderedDoseAtLeast = { ingredient: r.rxcui(dose.ingredient, join(at, 'ingredient')), value, units: r.string(dose, 'units', at) };
    }
    return when;
  };

  const modifiers = (raw: unknown, path: string): RiskModifier[] => {
    if (raw === undefined) return [];
    const seen = new Set<string>();
    return r.array(raw, path).map((item, i) => {
      const at = `${path}[${i}]`;
      const obj = r.object(item, at);
      r.onlyKeys(obj, at, MODIFIER_KEYS);
      const id = r.id(obj, 'id', at);
      if (seen.has(id)) r.fail(join(at, 'id'), `repeats modifier id "${id}" within the entry`);
      seen.add(id);
      return {
        id,
        effect: r.oneOf(obj, 'effect', at, ['raise', 'lower'] as const),
        when: condition(obj.when, join(at, 'when')),
        note: r.string(obj, 'note', at),
        source: r.sourceRefs(obj, at, sources),
      };
    });
  };

  const ruleIds = new Set<string>();
  const interactions: InteractionRule[] = r.array(root.interactions, 'interactions', { nonEmpty: true }).map((item, i) => {
    const path = `interactions[${i}]`;
    const obj: JsonRecord = r.object(item, path);
    r.onlyKeys(obj, path, RULE_KEYS);
    const id = r.id(obj, 'id', path);
    if (ruleIds.has(id)) r.fail(join(path, 'id'), `repeats interaction id "${id}"`);
    ruleIds.add(id);
    const source: SourceRef[] = r.sourceRefs(obj, path, sources);
    return {
      id,
      tier: r.oneOf(obj, 'tier', path, TIERS),
      a: drugSet(obj.a, join(path, 'a')),
      b: drugSet(obj.b, join(path, 'b')),
      severity: r.oneOf(obj, 'severity', path, SEVERITIES),
      mechanism: r.string(obj, 'mechanism', path),
      management: r.string(obj, 'management', path),
      source,
      modifiers: modifiers(obj.modifiers, join(path, 'modifiers')),
    };
  });

  return { name, version, sources, classes, interactions, ingredients };
}
