import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertUnits, normaliseUnits } from '../../src/clinical/critical/units.ts';

describe('critical units: spellings', () => {
  const cases: [string, string | undefined][] = [
    ['mmol/L', 'mmol/L'],
    ['mmol/l', 'mmol/L'],
    ['MMOL/L', 'mmol/L'],
    [' mmol / L ', 'mmol/L'],
    ['mEq/L', 'mEq/L'],
    ['MEQ/L', 'mEq/L'],
    ['mg/dl', 'mg/dL'],
    ['gm/dL', 'g/dL'],
    ['G/DL', 'g/dL'],
    ['K/uL', '10*3/uL'],
    ['x10E3/uL', '10*3/uL'],
    ['10^3/uL', '10*3/uL'],
    ['10*3/µL', '10*3/uL'],
    ['10³/μL', '10*3/uL'],
    ['x10^3/mcL', '10*3/uL'],
    ['thou/uL', '10*3/uL'],
    ['10^9/L', '10*9/L'],
    ['x10E9/L', '10*9/L'],
    ['cells/uL', '/uL'],
    ['{INR}', '{INR}'],
    ['INR', '{INR}'],
    ['%', '%'],
    ['furlongs', undefined],
    ['', undefined],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} -> ${String(expected)}`, () => assert.equal(normaliseUnits(text), expected));
  }
});

describe('critical units: conversion', () => {
  const glucose = { molarMass: 180.16 };
  const calcium = { molarMass: 40.078, valence: 2 };

  it('glucose mmol/L <-> mg/dL uses 18.016', () => {
    assert.deepEqual(convertUnits(2.5, 'mmol/L', 'mg/dL', glucose), { ok: true, value: 45.04, units: 'mg/dL' });
    assert.deepEqual(convertUnits(45.04, 'mg/dL', 'mmol/L', glucose), { ok: true, value: 2.5, units: 'mmol/L' });
    const back = convertUnits(484, 'mg/dL', 'mmol/l', glucose);
    assert.ok(back.ok && Math.abs(back.value - 26.865) < 0.001);
  });

  it('hemoglobin g/L <-> g/dL is a factor of 10, without float noise', () => {
    assert.deepEqual(convertUnits(66, 'g/L', 'g/dL'), { ok: true, value: 6.6, units: 'g/dL' });
    assert.deepEqual(convertUnits(6.6, 'g/dL', 'g/L'), { ok: true, value: 66, units: 'g/L' });
  });

  it('mEq/L equals mmol/L for a monovalent ion, and is twice it for calcium', () => {
    assert.deepEqual(convertUnits(6.3, 'mEq/L', 'mmol/L', { valence: 1 }), { ok: true, value: 6.3, units: 'mmol/L' });
    assert.deepEqual(convertUnits(3.3, 'mEq/L', 'mmol/L', calcium), { ok: true, value: 1.65, units: 'mmol/L' });
    assert.deepEqual(convertUnits(1.65, 'mmol/L', 'mg/dL', calcium), { ok: true, value: 6.612870, units: 'mg/dL' });
  });

  it('counts: 10*3/uL == 10*9/L == K/uL, and /uL is a thousandth', () => {
    assert.deepEqual(convertUnits(37, '10^9/L', '10*3/uL'), { ok: true, value: 37, units: '10*3/uL' });
    assert.deepEqual(convertUnits(37, 'K/uL', '10*3/uL'), { ok: true, value: 37, units: '10*3/uL' });
    assert.deepEqual(convertUnits(37_000, 'cells/uL', '10*3/uL'), { ok: true, value: 37, units: '10*3/uL' });
  });

  it('fractions: % <-> L/L', () => {
    assert.deepEqual(convertUnits(0.18, 'L/L', '%'), { ok: true, value: 18, units: '%' });
  });

  it('an INR without units is taken as it is; anything else without units is not', () => {
    assert.deepEqual(convertUnits(5, undefined, '{INR}'), { ok: true, value: 5, units: '{INR}' });
    assert.deepEqual(convertUnits(5, '', '{INR}'), { ok: true, value: 5, units: '{INR}' });
    assert.deepEqual(convertUnits(6.3, undefined, 'mmol/L'), { ok: false, reason: 'units-missing' });
  });

  it('unknown and incompatible units are failures, never guesses', () => {
    assert.deepEqual(convertUnits(6.3, 'furlongs', 'mmol/L'), { ok: false, reason: 'units-unknown' });
    assert.deepEqual(convertUnits(6.3, 'mg/dL', 'mmol/L'), { ok: false, reason: 'units-incompatible' });
    assert.deepEqual(convertUnits(6.3, 'g/dL', '10*3/uL'), { ok: false, reason: 'units-incompatible' });
  });
});
