// NEWS2 (RCP 2017) at every parameter boundary and every band boundary, SpO2 scale 2, missing
// parameters, and reading the newest vitals from charted observations.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type News2Readings, readNews2, scoreNews2, type SourcedObservation, spo2Scale } from '../../src/clinical/risk/news2.ts';
import { DEFAULT_NEWS2_PATH, loadNews2Table, parseNews2Table } from '../../src/clinical/risk/tables.ts';
import { SYSTEM } from '../../src/event/payloads.ts';

const table = loadNews2Table();
const AT = '2026-11-26T10:00:00Z';

/** Every parameter at 0 points. */
function normal(): News2Readings {
  return {
    respirationRate: { value: 16 },
    spo2: { value: 97 },
    onOxygen: { value: false },
    systolicBp: { value: 120 },
    pulse: { value: 70 },
    consciousness: { value: 'A' },
    temperature: { value: 37.0 },
  };
}

const points = (r: News2Readings, id: string, scale: 1 | 2 = 1): number | null | undefined =>
  scoreNews2(r, { scale }, table).components.find((c) => c.id === id)?.points;

/** A copy without the given fields (a reading or input left out). */
function without<T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> {
  const copy = { ...value };
  for (const k of keys) delete copy[k];
  return copy;
}

describe('NEWS2 parameters at every boundary (RCP 2017 chart 1)', () => {
  const cases: [keyof News2Readings, string, number | string, number][] = [
    ['respirationRate', 'respiration_rate', 8, 3], ['respirationRate', 'respiration_rate', 9, 1], ['respirationRate', 'respiration_rate', 11, 1],
    ['respirationRate', 'respiration_rate', 12, 0], ['respirationRate', 'respiration_rate', 20, 0], ['respirationRate', 'respiration_rate', 21, 2],
    ['respirationRate', 'respiration_rate', 24, 2], ['respirationRate', 'respiration_rate', 25, 3],
    ['spo2', 'spo2', 91, 3], ['spo2', 'spo2', 92, 2], ['spo2', 'spo2', 93, 2], ['spo2', 'spo2', 94, 1], ['spo2', 'spo2', 95, 1], ['spo2', 'spo2', 96, 0], ['spo2', 'spo2', 100, 0],
    ['systolicBp', 'systolic_bp', 90, 3], ['systolicBp', 'systolic_bp', 91, 2], ['systolicBp', 'systolic_bp', 100, 2], ['systolicBp', 'systolic_bp', 101, 1],
    ['systolicBp', 'systolic_bp', 110, 1], ['systolicBp', 'systolic_bp', 111, 0], ['systolicBp', 'systolic_bp', 219, 0], ['systolicBp', 'systolic_bp', 220, 3],
    ['pulse', 'pulse', 40, 3], ['pulse', 'pulse', 41, 1], ['pulse', 'pulse', 50, 1], ['pulse', 'pulse', 51, 0], ['pulse', 'pulse', 90, 0],
    ['pulse', 'pulse', 91, 1], ['pulse', 'pulse', 110, 1], ['pulse', 'pulse', 111, 2], ['pulse', 'pulse', 130, 2], ['pulse', 'pulse', 131, 3],
    ['temperature', 'temperature', 35.0, 3], ['temperature', 'temperature', 35.1, 1], ['temperature', 'temperature', 36.0, 1], ['temperature', 'temperature', 36.1, 0],
    ['temperature', 'temperature', 38.0, 0], ['temperature', 'temperature', 38.1, 1], ['temperature', 'temperature', 39.0, 1], ['temperature', 'temperature', 39.1, 2],
    ['consciousness', 'consciousness', 'A', 0], ['consciousness', 'consciousness', 'Alert', 0], ['consciousness', 'consciousness', 'C', 3],
    ['consciousness', 'consciousness', 'New confusion', 3], ['consciousness', 'consciousness', 'V', 3], ['consciousness', 'consciousness', 'Responds to pain', 3],
    ['consciousness', 'consciousness', 'U', 3],
  ];
  for (const [field, id, value, expected] of cases) {
    it(`${id} ${value} scores ${expected}`, () => {
      const r = { ...normal(), [field]: { value } };
      assert.equal(points(r, id), expected);
      assert.equal(scoreNews2(r, { scale: 1 }, table).score, expected, 'the other parameters score 0');
    });
  }

  it('air scores 0 and supplemental oxygen 2', () => {
    assert.equal(points(normal(), 'air_or_oxygen'), 0);
    assert.equal(points({ ...normal(), onOxygen: { value: true } }, 'air_or_oxygen'), 2);
  });

  it('a temperature is read to one decimal (35.04 is 35.0)', () => {
    assert.equal(points({ ...normal(), temperature: { value: 35.04 } }, 'temperature'), 3);
    assert.equal(points({ ...normal(), temperature: { value: 35.06 } }, 'temperature'), 1);
  });
});

describe('NEWS2 SpO2 scale 2 (hypercapnic respiratory failure, target 88-92%)', () => {
  const cases: [number, boolean, number][] = [
    [83, false, 3], [84, false, 2], [85, false, 2], [86, false, 1], [87, false, 1], [88, false, 0], [92, false, 0], [93, false, 0], [97, false, 0],
    [83, true, 3], [88, true, 0], [92, true, 0], [93, true, 1], [94, true, 1], [95, true, 2], [96, true, 2], [97, true, 3], [100, true, 3],
  ];
  for (const [spo2, oxygen, expected] of cases) {
    it(`${spo2}% on ${oxygen ? 'oxygen' : 'air'} scores ${expected}`, () => {
      assert.equal(points({ ...normal(), spo2: { value: spo2 }, onOxygen: { value: oxygen } }, 'spo2', 2), expected);
    });
  }

  it('on scale 2, 93% or more cannot be scored when air or oxygen is not charted; 88-92% can', () => {
    const rest = without(normal(), 'onOxygen');
    const high = scoreNews2({ ...rest, spo2: { value: 95 } }, { scale: 2 }, table);
    assert.equal(high.components.find((c) => c.id === 'spo2')?.points, null);
    assert.deepEqual(high.missing, ['spo2', 'air_or_oxygen']);
    const target = scoreNews2({ ...rest, spo2: { value: 90 } }, { scale: 2 }, table);
    assert.equal(target.components.find((c) => c.id === 'spo2')?.points, 0);
  });

  it('scale 2 is chosen by a coded hypercapnic respiratory failure, not by COPD alone', () => {
    assert.equal(spo2Scale(['J44.9'], table).scale, 1);
    assert.equal(spo2Scale(['J44.9', 'J96.12'], table).scale, 2);
    assert.equal(spo2Scale(['J96.22'], table).scale, 2);
    assert.equal(spo2Scale(['J96.01'], table).scale, 1, 'hypoxic, not hypercapnic');
  });

  it('92% on air: 2 points on scale 1, 0 on scale 2', () => {
    const r = { ...normal(), spo2: { value: 92 } };
    assert.equal(points(r, 'spo2', 1), 2);
    assert.equal(points(r, 'spo2', 2), 0);
  });
});

describe('NEWS2 bands at every boundary (RCP 2017 chart 2)', () => {
  const cases: [string, Partial<News2Readings>, number, string][] = [
    ['0', {}, 0, 'low'],
    ['1', { pulse: { value: 91 } }, 1, 'low'],
    ['4 without a 3', { respirationRate: { value: 21 }, pulse: { value: 111 } }, 4, 'low'],
    ['3 in one parameter', { respirationRate: { value: 25 } }, 3, 'low-medium'],
    ['4 with a 3 in one parameter', { respirationRate: { value: 25 }, pulse: { value: 91 } }, 4, 'low-medium'],
    ['5', { respirationRate: { value: 21 }, pulse: { value: 111 }, temperature: { value: 38.5 } }, 5, 'medium'],
    ['5 with a 3', { respirationRate: { value: 25 }, pulse: { value: 111 } }, 5, 'medium'],
    ['6', { respirationRate: { value: 21 }, pulse: { value: 111 }, onOxygen: { value: true } }, 6, 'medium'],
    ['7', { respirationRate: { value: 25 }, pulse: { value: 111 }, onOxygen: { value: true } }, 7, 'high'],
    ['20', { respirationRate: { value: 8 }, spo2: { value: 85 }, onOxygen: { value: true }, systolicBp: { value: 85 }, pulse: { value: 140 }, consciousness: { value: 'U' }, temperature: { value: 34 } }, 20, 'high'],
  ];
  for (const [name, change, score, band] of cases) {
    it(`${name}: ${score}, ${band}`, () => {
      const s = scoreNews2({ ...normal(), ...change }, { scale: 1 }, table);
      assert.equal(s.score, score);
      assert.equal(s.band, band);
      assert.equal(s.complete, true);
      assert.match(s.explanation, new RegExp(`^NEWS2 ${score} \\(${band}\\)`));
    });
  }
});

describe('NEWS2 with missing parameters', () => {
  it('names what is missing, scores nothing for it, and leaves the band open', () => {
    const rest = without(normal(), 'temperature', 'consciousness');
    const s = scoreNews2(rest, { scale: 1 }, table);
    assert.deepEqual(s.missing, ['consciousness', 'temperature']);
    assert.equal(s.complete, false);
    assert.equal(s.band, null);
    assert.equal(s.band_at_least, 'low');
    assert.equal(s.components.find((c) => c.id === 'temperature')?.value, null);
    assert.match(s.explanation, /Missing: consciousness, temperature/);
  });

  it('a partial score already at 7 is high', () => {
    const s = scoreNews2({ respirationRate: { value: 25 }, pulse: { value: 131 }, onOxygen: { value: true } }, { scale: 1 }, table);
    assert.equal(s.score, 8);
    assert.equal(s.band, 'high');
    assert.equal(s.complete, false);
  });

  it('with no vitals at all every parameter is missing', () => {
    const s = scoreNews2({}, { scale: 1 }, table);
    assert.equal(s.score, 0);
    assert.equal(s.missing.length, 7);
    assert.equal(s.band, null);
  });

  it('an ACVPU value that is not a level is not scored', () => {
    const s = scoreNews2({ ...normal(), consciousness: { value: 'sleepy' } }, { scale: 1 }, table);
    assert.deepEqual(s.missing, ['consciousness']);
  });
});

describe('reading the newest charted vitals', () => {
  const obs = (code: string, value: number | string, at: string, units?: string, eventId = 'ev'): SourcedObservation => ({
    code: { system: SYSTEM.loinc, code },
    value,
    valueType: typeof value === 'number' ? 'NM' : 'CWE',
    ...(units ? { units } : {}),
    abnormalFlags: [],
    status: 'F',
    observedAt: at,
    eventId,
  });

  it('takes the newest value per parameter, within the window and not after the event', () => {
    const r = readNews2(
      [
        obs('9279-1', 18, '2026-11-26T06:00:00Z'),
        obs('9279-1', 26, '2026-11-26T09:00:00Z', '/min', 'newest'),
        obs('9279-1', 30, '2026-11-26T11:00:00Z'),
        obs('8867-4', 120, '2026-11-25T20:00:00Z'),
        obs('59408-5', 95, '2026-11-26T09:00:00Z', '%'),
        obs('3151-8', 2, '2026-11-26T09:00:00Z', 'L/min'),
        obs('8310-5', 101.3, '2026-11-26T09:00:00Z', '[degF]'),
        obs('67775-7', 'New confusion', '2026-11-26T09:00:00Z'),
        obs('8480-6', 100, '2026-11-26T09:00:00Z', 'mm[Hg]'),
      ],
      AT,
      table,
    );
    assert.deepEqual(r.respirationRate?.value, 26);
    assert.equal(r.respirationRate?.eventId, 'newest');
    assert.equal(r.pulse, undefined, 'older than the window');
    assert.equal(r.onOxygen?.value, true);
    assert.equal(Math.round((r.temperature?.value ?? 0) * 10) / 10, 38.5);
    const s = scoreNews2(r, { scale: 1 }, table);
    assert.deepEqual(s.missing, ['pulse']);
    // RR 26: 3, SpO2 95: 1, oxygen: 2, SBP 100: 2, confusion: 3, 38.5: 1.
    assert.equal(s.score, 12);
    assert.equal(s.band, 'high');
  });

  it('room air is a flow of 0 or an inspired fraction of 21%; the newer reading decides', () => {
    assert.equal(readNews2([obs('3151-8', 0, '2026-11-26T09:00:00Z')], AT, table).onOxygen?.value, false);
    assert.equal(readNews2([obs('3150-0', 0.21, '2026-11-26T09:00:00Z')], AT, table).onOxygen?.value, false);
    assert.equal(readNews2([obs('3150-0', 40, '2026-11-26T09:00:00Z')], AT, table).onOxygen?.value, true);
    assert.equal(readNews2([obs('3151-8', 4, '2026-11-26T08:00:00Z'), obs('3150-0', 21, '2026-11-26T09:00:00Z')], AT, table).onOxygen?.value, false);
  });

  it('temperatures in units it cannot convert are not used', () => {
    assert.equal(readNews2([obs('8310-5', 310, '2026-11-26T09:00:00Z', 'K')], AT, table).temperature, undefined);
  });
});

describe('the NEWS2 table', () => {
  it('refuses a band table out of order, naming the field', () => {
    const json = JSON.parse(readFileSync(DEFAULT_NEWS2_PATH, 'utf8')) as { parameters: { pulse: { bands: { max?: number; points: number }[] } } };
    json.parameters.pulse.bands[1] = { max: 30, points: 1 };
    assert.throws(() => parseNews2Table(json), /parameters\.pulse\.bands\[1\]\.max must rise/);
  });
});

