// Loading clinical/interpretation-rules.json: sources cited, every field checked, site overrides,
// versions that change with the rules.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_RULES_PATH, InterpretationRulesError, loadInterpretationRules, parseInterpretationRules, RULE_IDS } from '../../src/clinical/interpretation/load-rules.ts';

const BASE = JSON.parse(readFileSync(DEFAULT_RULES_PATH, 'utf8')) as Record<string, unknown> & { rules: Record<string, Record<string, unknown>> };
const base = parseInterpretationRules(BASE);

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof InterpretationRulesError, String(err));
    return err.problems;
  }
  assert.fail('expected an InterpretationRulesError');
}

const withRule = (id: string, patch: Record<string, unknown>) => ({ ...BASE, rules: { ...BASE.rules, [id]: { ...BASE.rules[id], ...patch } } });

describe('interpretation rules: the default file', () => {
  it('holds every rule, each with a version and a cited source', () => {
    assert.match(base.version, /^vigil-interpretation-v1\+[0-9a-f]{8}$/);
    const loaded = [base.aki, base.anaemia, base.hyponatraemia, base.hba1c, base.hyperkalaemia, base.range, base.trend];
    assert.deepEqual(loaded.map((r) => r?.id), [...RULE_IDS]);
    for (const r of loaded) {
      assert.match(r?.version ?? '', /^v1\+[0-9a-f]{8}$/);
      assert.ok((r?.source.length ?? 0) > 40, `${r?.id} cites its source`);
    }
    assert.match(base.aki?.source ?? '', /KDIGO Clinical Practice Guideline for Acute Kidney Injury/);
    assert.match(base.hyponatraemia?.source ?? '', /Spasovski G/);
    assert.match(base.anaemia?.source ?? '', /World Health Organization/);
    assert.match(base.hba1c?.source ?? '', /Standards of Care in Diabetes/);
  });

  it('reads the thresholds the guidelines print', () => {
    assert.deepEqual([...(base.aki?.rise ?? [])], [['mg/dL', 0.3], ['umol/L', 26.5]]);
    assert.deepEqual(base.anaemia?.thresholds, { male: 13, female: 12 });
    assert.deepEqual(base.hyponatraemia?.bands.map((b) => [b.band, b.threshold]), [['mild', 135], ['moderate', 130], ['profound', 125]]);
    assert.deepEqual(base.hba1c?.bands.map((b) => [b.band, b.threshold]), [['diabetes-range', 6.5], ['poor-control', 9]]);
  });

  it('the version is stable for the same rules, whatever the field order', () => {
    const reordered = Object.fromEntries(Object.entries(BASE).reverse());
    assert.equal(parseInterpretationRules(reordered).version, base.version);
  });
});

describe('interpretation rules: site overrides', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-interpretation-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces a rule, removes another, and changes the versions', () => {
    const site = {
      sources: [{ id: 'site-2026', citation: 'Example Hospital hyponatraemia policy, 2026' }],
      rules: { hyponatraemia: { ...BASE.rules.hyponatraemia, revision: 2, sources: ['site-2026'] }, 'hba1c-ada': null },
    };
    const r = parseInterpretationRules(BASE, site);
    assert.equal(r.hba1c, undefined);
    assert.match(r.hyponatraemia?.version ?? '', /^v2\+/);
    assert.equal(r.hyponatraemia?.source, 'Example Hospital hyponatraemia policy, 2026');
    assert.equal(r.aki?.version, base.aki?.version, 'untouched rules keep their version');
    assert.notEqual(r.version, base.version);
  });

  it('loads the default and an override from files', () => {
    const path = join(dir, 'site.json');
    writeFileSync(path, JSON.stringify({ rules: { trend: { ...BASE.rules.trend, points: 4 } } }));
    assert.equal(loadInterpretationRules(DEFAULT_RULES_PATH, path).trend?.points, 4);
    assert.throws(() => loadInterpretationRules(join(dir, 'missing.json')), InterpretationRulesError);
  });
});

describe('interpretation rules: mistakes are named with their path', () => {
  it('unknown rules, bad severities, missing sources and analytes', () => {
    assert.deepEqual(problems(() => parseInterpretationRules({ ...BASE, rules: { ...BASE.rules, 'made-up': {} } })), [`rules["made-up"] is not a known rule (known: ${RULE_IDS.join(', ')})`]);
    assert.deepEqual(problems(() => parseInterpretationRules(withRule('trend', { severity: 'loud' }))), ['rules["trend"].severity must be one of info, attention, urgent']);
    assert.deepEqual(problems(() => parseInterpretationRules(withRule('trend', { sources: ['nowhere'] }))), ['rules["trend"].sources "nowhere" is not in sources']);
    assert.deepEqual(problems(() => parseInterpretationRules(withRule('hyponatraemia', { analyte: 'salt' }))), ['rules["hyponatraemia"] analyte "salt" is not in analytes']);
  });

  it('bands out of order, ratios out of order, thresholds without the analyte units', () => {
    const bands = [{ band: 'mild', below: 130, severity: 'info' }, { band: 'moderate', below: 135, severity: 'attention' }];
    assert.deepEqual(problems(() => parseInterpretationRules(withRule('hyponatraemia', { bands }))), ['rules["hyponatraemia"].bands[1].below bands must go from the least to the most extreme']);
    assert.deepEqual(problems(() => parseInterpretationRules(withRule('aki-kdigo', { stage2Ratio: 3.5 }))), ['rules["aki-kdigo"].stage2Ratio ratios must increase: ratio < stage2Ratio < stage3Ratio']);
    assert.ok(problems(() => parseInterpretationRules(withRule('aki-kdigo', { rise: { 'umol/L': 26.5 } }))).some((p) => p.includes('needs a threshold in mg/dL')));
  });

  it('a LOINC code with a wrong check digit, and a conversion factor that contradicts the units', () => {
    const analytes = { ...(BASE.analytes as Record<string, unknown>), sodium: { display: 'Sodium', plain: 'sodium', loinc: ['2951-3'], units: 'mmol/L', source: 'loinc' } };
    assert.deepEqual(problems(() => parseInterpretationRules({ ...BASE, analytes })), ['analytes["sodium"].loinc must be a non-empty list of LOINC codes (with their check digit)']);
    const hb = { display: 'Hemoglobin', plain: 'hemoglobin', loinc: ['718-7'], units: 'g/dL', convert: { units: 'g/L', factor: 100, source: 'loinc' }, source: 'loinc' };
    assert.deepEqual(problems(() => parseInterpretationRules({ ...BASE, analytes: { ...(BASE.analytes as Record<string, unknown>), hemoglobin: hb } })), [
      'analytes["hemoglobin"].convert.factor must be 10: these units convert without chemistry',
    ]);
  });

  it('the hyperkalaemia rule needs the trend rule', () => {
    assert.deepEqual(problems(() => parseInterpretationRules(BASE, { rules: { trend: null } })), ['rules["hyperkalaemia-rising-creatinine"] needs the trend rule (its measure of a rising creatinine)']);
  });
});
