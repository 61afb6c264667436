import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { SYSTEM } from '../../src/event/payloads.ts';
import { ClinicalDataError } from '../../src/clinical/interactions/data-reader.ts';
import {
  DEFAULT_INGREDIENT_MAP_PATH,
  loadIngredientMap,
  parseIngredientMap,
  resolveIngredients,
} from '../../src/clinical/interactions/ingredient-map.ts';
import {
  DEFAULT_KNOWLEDGE_BASE_PATH,
  loadInteractionKnowledgeBase,
  parseInteractionKnowledgeBase,
} from '../../src/clinical/interactions/knowledge-base.ts';
import { findInteractions, rulesBetween } from '../../src/clinical/interactions/lookup.ts';
import { adjustedRisk, RISK_LEVELS } from '../../src/clinical/interactions/risk.ts';
import { INTERACTING_PAIRS, MEDICATIONS } from '../../src/simulator/medications.ts';

const kb = loadInteractionKnowledgeBase();
const map = loadIngredientMap();
const rx = (code: string) => ({ system: SYSTEM.rxnorm, code });
const rawKb = (): Record<string, unknown> => JSON.parse(readFileSync(DEFAULT_KNOWLEDGE_BASE_PATH, 'utf8')) as Record<string, unknown>;
const rawMap = (): Record<string, unknown> => JSON.parse(readFileSync(DEFAULT_INGREDIENT_MAP_PATH, 'utf8')) as Record<string, unknown>;
// Test-side edits of the raw JSON: the shape is checked by the loader under test, not here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

function loadError(parse: () => unknown): ClinicalDataError {
  try {
    parse();
  } catch (err) {
    assert.ok(err instanceof ClinicalDataError, `expected ClinicalDataError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the load to fail');
}

describe('drug-interaction knowledge base (clinical/drug-interactions.json)', () => {
  it('loads with a version, cited sources on every entry and modifier, and the ONC list tier', () => {
    assert.match(kb.version, /\S/);
    assert.ok(kb.sources.has('onc-2012'));
    assert.match(kb.sources.get('onc-2012')?.citation ?? '', /Phansalkar S.*JAMIA|J Am Med Inform Assoc\. 2012;19\(5\):735-743/);
    for (const rule of kb.interactions) {
      assert.ok(rule.source.length > 0, rule.id);
      assert.ok(rule.a.members.size > 0 && rule.b.members.size > 0, rule.id);
      for (const m of rule.modifiers) assert.ok(m.source.length > 0, `${rule.id}/${m.id}`);
    }
    assert.ok(kb.interactions.some((r) => r.tier === 'onc'));
  });

  it('holds the issue\'s seed pairs: warfarin with each NSAID, digoxin with cyclosporine and amiodarone, and more', () => {
    const nsaids = { ibuprofen: '5640', naproxen: '7258', diclofenac: '3355', celecoxib: '140587', ketorolac: '35827' };
    for (const [name, code] of Object.entries(nsaids)) assert.deepEqual(rulesBetween('11289', code, kb).map((r) => r.id), ['warfarin-nsaid'], name);
    assert.deepEqual(rulesBetween('11289', '1191', kb).map((r) => r.id), ['warfarin-aspirin']);
    assert.deepEqual(rulesBetween('3407', '3008', kb).map((r) => r.id), ['digoxin-cyclosporine']);
    assert.deepEqual(rulesBetween('703', '3407', kb).map((r) => r.id), ['digoxin-amiodarone']);
    assert.deepEqual(rulesBetween('6851', '10829', kb).map((r) => r.id), ['methotrexate-trimethoprim']);
    assert.deepEqual(rulesBetween('36567', '21212', kb).map((r) => r.id), ['statin-strong-cyp3a4-inhibitor']);
    assert.deepEqual(rulesBetween('36567', '28031', kb).map((r) => r.id), ['statin-strong-cyp3a4-inhibitor']);
    assert.deepEqual(rulesBetween('8123', '36437', kb).map((r) => r.id), ['maoi-serotonergic-antidepressant']);
    assert.deepEqual(rulesBetween('57258', '2551', kb).map((r) => r.id), ['tizanidine-cyp1a2-inhibitor']);
    assert.deepEqual(rulesBetween('57258', '42355', kb).map((r) => r.id), ['tizanidine-cyp1a2-inhibitor']);
    assert.deepEqual(rulesBetween('9997', '8591', kb).map((r) => r.id), ['potassium-sparing-diuretic-potassium']);
    assert.deepEqual(rulesBetween('9947', '5093', kb).map((r) => r.id), ['qt-prolonging-pair']);
    assert.equal(kb.interactions.find((r) => r.id === 'warfarin-nsaid')?.severity, 'high');
  });

  it('covers every interacting pair the simulator sends', () => {
    for (const [a, b] of INTERACTING_PAIRS) {
      assert.ok(rulesBetween(a, b, kb).length > 0, `${a}+${b}`);
      assert.ok(rulesBetween(b, a, kb).length > 0, `${b}+${a}`);
    }
  });

  it('finds nothing for a safe combination, and never pairs an ingredient with itself', () => {
    assert.deepEqual(rulesBetween('6809', '29046', kb), []);
    assert.deepEqual(rulesBetween('703', '703', kb), []);
    assert.deepEqual(findInteractions([{ code: '703', name: 'amiodarone' }], [{ code: '703', name: 'amiodarone' }], kb), []);
  });
});

describe('RxNorm product-to-ingredient map (clinical/rxnorm-ingredients.json)', () => {
  it('resolves every ingredient the simulator orders to itself', () => {
    for (const [key, med] of Object.entries(MEDICATIONS)) {
      const resolved = resolveIngredients(rx(med.rxnorm), map, kb);
      assert.deepEqual(resolved, { status: 'mapped', via: 'ingredient', ingredients: [{ code: med.rxnorm, name: med.name }] }, key);
    }
  });

  it('resolves clinical and branded drug codes, including combination products, to their ingredients', () => {
    const cases: [string, string[]][] = [
      ['313782', ['161']], // acetaminophen 325 MG Oral Tablet (HL7 RDE fixture)
      ['209387', ['161']], // [Tylenol] SBD
      ['855332', ['11289']], // warfarin sodium 5 MG Oral Tablet
      ['197805', ['5640']], // ibuprofen 400 MG Oral Tablet
      ['206905', ['5640']], // ibuprofen 400 MG [Ibu] SBD
      ['198013', ['7258']],
      ['197604', ['3407']],
      ['834357', ['703']],
      ['198335', ['10180', '10829']], // sulfamethoxazole / trimethoprim
    ];
    for (const [code, ingredients] of cases) {
      const resolved = resolveIngredients(rx(code), map, kb);
      assert.equal(resolved.status, 'mapped', code);
      if (resolved.status === 'mapped') {
        assert.equal(resolved.via, 'product', code);
        assert.deepEqual(resolved.ingredients.map((i) => i.code), ingredients, code);
      }
    }
  });

  it('resolves the RxNorm codes of the HL7 and FHIR samples; NDC, local and unknown codes are unmapped', () => {
    const rxe = /^RXE\|[^|]*\|([^^|]+)\^[^^|]*\^([^|]+)\|/m;
    const rde = readFileSync(resolve(import.meta.dirname, '../fixtures/hl7/rde-o11-rxnorm-v251.hl7'), 'utf8').replace(/\r/g, '\n');
    const [, code, system] = rxe.exec(rde) ?? [];
    assert.equal(system?.toUpperCase(), 'RXNORM');
    assert.equal(resolveIngredients(rx(code ?? ''), map, kb).status, 'mapped');
    const ndcRde = readFileSync(resolve(import.meta.dirname, '../fixtures/hl7/rde-o11-ndc-v24.hl7'), 'utf8').replace(/\r/g, '\n');
    const [, ndc] = rxe.exec(ndcRde) ?? [];
    assert.deepEqual(resolveIngredients({ system: SYSTEM.ndc, code: ndc ?? '' }, map, kb), {
      status: 'unmapped',
      reason: 'unmapped code',
      detail: 'NDC codes are not mapped to RxNorm ingredients',
    });
    // The FHIR warfarin order carries RxNorm 11289 beside its NDC; the gateway prefers RxNorm.
    assert.equal(resolveIngredients(rx('11289'), map, kb).status, 'mapped');
    assert.equal(resolveIngredients({ system: 'urn:oid:2.16.840.1.113883.19.99PHARM', code: '11289' }, map, kb).status, 'unmapped');
    assert.deepEqual(resolveIngredients(rx('999999999'), map, kb), {
      status: 'unmapped',
      reason: 'unmapped code',
      detail: 'RxNorm code is not in the product-to-ingredient map',
    });
  });

  it('treats knowledge-base ingredients as ingredients even when the map does not list them', () => {
    assert.equal(map.ingredients.has('57258'), false);
    assert.deepEqual(resolveIngredients(rx('57258'), map, kb), { status: 'mapped', via: 'ingredient', ingredients: [{ code: '57258', name: 'tizanidine' }] });
    assert.equal(resolveIngredients(rx('57258'), map).status, 'unmapped');
  });
});

describe('adjusted risk scale', () => {
  it('starts from the severity and moves one step per modifier, clamped', () => {
    const raise = { effect: 'raise' as const };
    const lower = { effect: 'lower' as const };
    assert.deepEqual(RISK_LEVELS, ['low', 'moderate', 'high', 'very high']);
    const table: [Parameters<typeof adjustedRisk>[0], { effect: 'raise' | 'lower' }[], string][] = [
      ['high', [], 'high'],
      ['high', [lower], 'moderate'],
      ['high', [raise], 'very high'],
      ['high', [raise, raise], 'very high'],
      ['high', [raise, lower], 'high'],
      ['moderate', [], 'moderate'],
      ['moderate', [lower, lower], 'low'],
      ['contraindicated', [], 'very high'],
      ['contraindicated', [lower], 'high'],
    ];
    for (const [severity, mods, expected] of table) assert.equal(adjustedRisk(severity, mods), expected, `${severity} ${mods.map((m) => m.effect).join(',')}`);
  });
});

describe('knowledge-base load validation', () => {
  const cases: { name: string; edit: (kb: Loose) => void; path: string; message: RegExp }[] = [
    { name: 'unknown severity', edit: (k) => (k.interactions[2].severity = 'severe'), path: 'interactions[2].severity', message: /must be one of contraindicated, high, moderate/ },
    { name: 'missing mechanism', edit: (k) => delete k.interactions[1].mechanism, path: 'interactions[1].mechanism', message: /must be a non-empty string/ },
    { name: 'misspelt field', edit: (k) => (k.interactions[4].severty = 'high'), path: 'interactions[4].severty', message: /is not a known field/ },
    { name: 'undefined class', edit: (k) => (k.interactions[0].b = { class: 'nope' }), path: 'interactions[0].b.class', message: /names class "nope"/ },
    { name: 'class and ingredients at once', edit: (k) => (k.interactions[5].a.ingredients = [{ code: '1', name: 'x' }]), path: 'interactions[5].a', message: /exactly one of "class" or "ingredients"/ },
    { name: 'uncited source', edit: (k) => (k.interactions[3].source = ['missing']), path: 'interactions[3].source[0]', message: /not in the top-level sources list/ },
    { name: 'empty modifier condition', edit: (k) => (k.interactions[0].modifiers[1].when = {}), path: 'interactions[0].modifiers[1].when', message: /at least one condition/ },
    { name: 'bad modifier effect', edit: (k) => (k.interactions[0].modifiers[0].effect = 'halve'), path: 'interactions[0].modifiers[0].effect', message: /raise, lower/ },
    { name: 'name instead of code', edit: (k) => (k.classes.nsaids.members[2].code = 'diclofenac'), path: 'classes.nsaids.members[2].code', message: /RxNorm code/ },
    { name: 'numeric code', edit: (k) => (k.interactions[2].a.ingredients[0].code = 3407), path: 'interactions[2].a.ingredients[0].code', message: /RxNorm code/ },
    { name: 'same code, two names', edit: (k) => (k.interactions[3].a.ingredients[0].name = 'digitoxin'), path: 'interactions[3].a.ingredients[0].name', message: /code 3407 is "digoxin"/ },
    { name: 'repeated id', edit: (k) => (k.interactions[5].id = k.interactions[4].id), path: 'interactions[5].id', message: /repeats interaction id/ },
    { name: 'no version', edit: (k) => delete k.version, path: 'version', message: /must be a non-empty string/ },
  ];
  for (const c of cases) {
    it(`rejects ${c.name}, naming the entry index and field`, () => {
      const raw = rawKb();
      c.edit(raw);
      const err = loadError(() => parseInteractionKnowledgeBase(raw));
      assert.equal(err.path, c.path);
      assert.equal(err.file, 'drug-interactions.json');
      assert.match(err.message, c.message);
      assert.ok(err.message.startsWith(`drug-interactions.json: ${c.path} `), err.message);
    });
  }

  it('rejects a file that is not JSON, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-ddi-'));
    try {
      const file = join(dir, 'drug-interactions.json');
      writeFileSync(file, '{ "name": ');
      const err = loadError(() => loadInteractionKnowledgeBase(file));
      assert.match(err.message, /^drug-interactions\.json: is not valid JSON/);
      assert.match(loadError(() => loadInteractionKnowledgeBase(join(dir, 'absent.json'))).message, /absent\.json: cannot be read \(ENOENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a malformed ingredient map entry, naming the entry index and field', () => {
    const cases: { edit: (m: Loose) => void; path: string; message: RegExp }[] = [
      { edit: (m) => (m.products[1].ingredients = ['4242']), path: 'products[1].ingredients[0]', message: /names ingredient 4242, which is not in the ingredients list/ },
      { edit: (m) => (m.products[0].tty = 'IN'), path: 'products[0].tty', message: /SCD, SBD/ },
      { edit: (m) => (m.products[3].code = '11289'), path: 'products[3].code', message: /also listed as an ingredient/ },
      { edit: (m) => (m.ingredients[4].code = m.ingredients[0].code), path: 'ingredients[4].code', message: /repeats ingredient/ },
      { edit: (m) => (m.ingredients[2].source = 'rxnav'), path: 'ingredients[2].source', message: /names source "rxnav"/ },
    ];
    for (const c of cases) {
      const raw = rawMap();
      c.edit(raw);
      const err = loadError(() => parseIngredientMap(raw));
      assert.equal(err.path, c.path);
      assert.match(err.message, c.message);
    }
  });
});
