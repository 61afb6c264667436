// RxNorm product (SCD/SBD) to ingredient (IN) resolution. Interactions are between ingredients, but
// orders name products: "warfarin sodium 5 MG Oral Tablet" must count as warfarin. A code that
// cannot be resolved is reported as unmapped, never guessed at and never silently passed.
import { basename, resolve } from 'node:path';
import { SYSTEM, type Coding } from '../../event/payloads.ts';
import { DataReader, join, readJsonFile } from './data-reader.ts';
import type { IngredientMap, IngredientRef, InteractionKnowledgeBase, ProductEntry } from './types.ts';

export const DEFAULT_INGREDIENT_MAP_PATH = resolve(import.meta.dirname, '../../../clinical/rxnorm-ingredients.json');

const PRODUCT_TTYS = ['SCD', 'SBD', 'GPCK', 'BPCK'] as const;

export function loadIngredientMap(path: string = DEFAULT_INGREDIENT_MAP_PATH): IngredientMap {
  return parseIngredientMap(readJsonFile(path), basename(path));
}

/** Validates parsed JSON as an ingredient map; throws ClinicalDataError naming the entry and field. */
export function parseIngredientMap(input: unknown, file = 'rxnorm-ingredients.json'): IngredientMap {
  // Annotated so that TypeScript narrows after r.fail(), which never returns.
  const r: DataReader = new DataReader(file);
  const root = r.object(input, '(root)');
  const name = r.string(root, 'name', '');
  const version = r.string(root, 'version', '');
  const sources = r.sources(root);

  const ingredients = new Map<string, string>();
  r.array(root.ingredients, 'ingredients', { nonEmpty: true }).forEach((item, i) => {
    const path = `ingredients[${i}]`;
    const obj = r.object(item, path);
    r.onlyKeys(obj, path, ['code', 'name', 'source']);
    const code = r.rxcui(obj.code, join(path, 'code'));
    if (ingredients.has(code)) r.fail(join(path, 'code'), `repeats ingredient ${code}`);
    r.sourceRefs(obj, path, sources);
    ingredients.set(code, r.string(obj, 'name', path));
  });

  const products = new Map<string, ProductEntry>();
  r.array(root.products, 'products').forEach((item, i) => {
    const path = `products[${i}]`;
    const obj = r.object(item, path);
    r.onlyKeys(obj, path, ['code', 'tty', 'name', 'ingredients', 'source']);
    const code = r.rxcui(obj.code, join(path, 'code'));
    if (products.has(code)) r.fail(join(path, 'code'), `repeats product ${code}`);
    // A code is either a product or an ingredient: both would make resolution ambiguous.
    if (ingredients.has(code)) r.fail(join(path, 'code'), `${code} is also listed as an ingredient`);
    const tty = r.oneOf(obj, 'tty', path, PRODUCT_TTYS);
    const parts = r.array(obj.ingredients, join(path, 'ingredients'), { nonEmpty: true }).map((raw, j) => {
      const at = `${join(path, 'ingredients')}[${j}]`;
      const ingredient = r.rxcui(raw, at);
      const ingredientName = ingredients.get(ingredient);
      if (ingredientName === undefined) r.fail(at, `names ingredient ${ingredient}, which is not in the ingredients list`);
      return { code: ingredient, name: ingredientName };
    });
    r.sourceRefs(obj, path, sources);
    products.set(code, { code, tty, name: r.string(obj, 'name', path), ingredients: parts });
  });

  return { name, version, sources, ingredients, products };
}

export type Resolution =
  | { status: 'mapped'; via: 'ingredient' | 'product'; ingredients: IngredientRef[] }
  | { status: 'unmapped'; reason: 'unmapped code'; detail: string };

/**
 * The ingredients of a coded medication. RxNorm only: NDC and local codes are unmapped (an NDC
 * crosswalk would need the FDA NDC directory, which this map does not carry). An RxNorm code is an
 * ingredient when the map or the knowledge base lists it as one, a product when the map does.
 */
export function resolveIngredients(coding: Pick<Coding, 'system' | 'code'>, map: IngredientMap, kb?: InteractionKnowledgeBase): Resolution {
  if (coding.system !== SYSTEM.rxnorm) {
    const what = coding.system === SYSTEM.ndc ? 'NDC codes are' : 'codes outside RxNorm are';
    return { status: 'unmapped', reason: 'unmapped code', detail: `${what} not mapped to RxNorm ingredients` };
  }
  const code = coding.code.trim();
  const product = map.products.get(code);
  if (product) return { status: 'mapped', via: 'product', ingredients: product.ingredients.map((i) => ({ ...i })) };
  const name = map.ingredients.get(code) ?? kb?.ingredients.get(code);
  if (name !== undefined) return { status: 'mapped', via: 'ingredient', ingredients: [{ code, name }] };
  return { status: 'unmapped', reason: 'unmapped code', detail: 'RxNorm code is not in the product-to-ingredient map' };
}
