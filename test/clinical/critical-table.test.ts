import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CriticalTableError, DEFAULT_LIMITS_PATH, isLoinc, loadCriticalTable, parseCriticalTable } from '../../src/clinical/critical/load-table.ts';

const BASE: unknown = JSON.parse(readFileSync(DEFAULT_LIMITS_PATH, 'utf8'));
const base = parseCriticalTable(BASE);

const SITE = {
  name: 'kost1990-site',
  sources: [{ id: 'site-2025', citation: 'Example Hospital laboratory critical value policy, 2025' }],
  limits: {
    '2823-3': { analyte: 'potassium', display: 'Potassium', units: 'mmol/L', low: 2.8, high: 6.0, valence: 1, source: 'site-2025' },
    '2524-7': { analyte: 'lactate', display: 'Lactate', units: 'mmol/L', high: 4, highInclusive: true, source: 'site-2025' },
    '4544-3': null,
  },
  deltaChecks: { 'potassium-rise': null },
};

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CriticalTableError, String(err));
    return err.problems;
  }
  assert.fail('expected a CriticalTableError');
}

describe('critical table: loading', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-critical-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('checks LOINC check digits', () => {
    for (const code of ['2823-3', '718-7', '6301-6', '17861-6', '2524-7']) assert.ok(isLoinc(code), code);
    for (const code of ['2823-4', '7187', 'abc-1', '']) assert.ok(!isLoinc(code), code);
  });

  it('a site override replaces, adds and removes entries, keeps the rest, and changes the version', () => {
    const t = parseCriticalTable(BASE, SITE);
    assert.equal(t.limits.get('2823-3')?.high, 6.0);
    assert.equal(t.limits.get('2823-3')?.source, 'site-2025');
    assert.equal(t.limits.get('2524-7')?.highInclusive, true);
    assert.equal(t.limits.has('4544-3'), false);
    assert.equal(t.limits.get('6298-4')?.high, 6.2, 'untouched entries stay');
    assert.deepEqual(t.deltaChecks.map((d) => d.id), ['hemoglobin-fall']);
    assert.ok(t.sources.has('kost1990') && t.sources.has('site-2025'));
    assert.match(t.version, /^kost1990-site-v1\+[0-9a-f]{8}$/);
    assert.notEqual(t.version.split('+')[1], base.version.split('+')[1]);
  });

  it('the version is stable for the same rules', () => {
    assert.equal(parseCriticalTable(BASE).version, base.version);
    assert.equal(parseCriticalTable(BASE, SITE).version, parseCriticalTable(BASE, SITE).version);
  });

  it('loads the default and an override from files', () => {
    const path = join(dir, 'site.json');
    writeFileSync(path, JSON.stringify(SITE));
    assert.equal(loadCriticalTable().version, base.version);
    assert.equal(loadCriticalTable(DEFAULT_LIMITS_PATH, path).limits.get('2823-3')?.high, 6.0);
  });

  it('names the file and the problem for unreadable or malformed files', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    assert.throws(() => loadCriticalTable(bad), (err: Error) => err instanceof CriticalTableError && err.message.includes(bad) && /not valid JSON/.test(err.message));
    assert.throws(() => loadCriticalTable(join(dir, 'missing.json')), /cannot be read \(ENOENT\)/);
  });

  it('rejects bad entries, naming each field', () => {
    const found = problems(() =>
      parseCriticalTable(BASE, {
        sources: [{ id: 'x', citation: 'X' }],
        limits: {
          '2823-4': { analyte: 'potassium', display: 'K', units: 'mmol/L', high: 6, source: 'x' },
          '2951-2': { analyte: 'sodium', display: 'Na', units: 'furlongs', low: 158, high: 120, source: 'x', hihg: 1 },
          '718-7': { analyte: 'hemoglobin', display: 'Hb', units: 'g/dL', source: 'x' },
        },
        deltaChecks: { 'hb-fall': { analyte: 'hemoglobin', display: 'Hb', loinc: ['718-8'], direction: 'down', change: -1, units: 'g/dL', withinHours: 24, source: 'x' } },
      }),
    );
    const text = found.join('\n');
    assert.match(text, /limits\["2823-4"\] is not a LOINC code/);
    assert.match(text, /limits\["2951-2"\]\.units "furlongs" is not a unit/);
    assert.match(text, /limits\["2951-2"\]\.low must be below high/);
    assert.match(text, /limits\["2951-2"\]\."hihg" is not a known field/);
    assert.match(text, /limits\["718-7"\] needs a low or a high limit/);
    assert.match(text, /deltaChecks\["hb-fall"\]\.change must be a positive number/);
    assert.match(text, /deltaChecks\["hb-fall"\]\.direction must be "rise" or "fall"/);
    assert.match(text, /deltaChecks\["hb-fall"\]\.loinc must be a non-empty list of LOINC codes/);
  });

  it('rejects an entry citing a source that is not listed', () => {
    const found = problems(() => parseCriticalTable(BASE, { limits: { '2524-7': { analyte: 'lactate', display: 'Lactate', units: 'mmol/L', high: 4, source: 'nowhere' } } }));
    assert.deepEqual(found, ['limits["2524-7"].source "nowhere" is not in sources']);
  });

  it('requires the default table to be complete: name, revision, sources, limits', () => {
    const found = problems(() => parseCriticalTable({ limits: {} }));
    const text = found.join('\n');
    assert.match(text, /name must be a non-empty string/);
    assert.match(text, /revision must be a positive integer/);
    assert.match(text, /sources must be a non-empty list/);
    assert.ok(problems(() => parseCriticalTable([])).some((p) => /JSON object/.test(p)));
  });
});
