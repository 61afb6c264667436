import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDelta } from '../../src/clinical/critical/delta.ts';
import { loadCriticalTable } from '../../src/clinical/critical/load-table.ts';
import type { DeltaCheck } from '../../src/clinical/critical/table.ts';
import type { PastObservation } from '../../src/processors/history.ts';
import { hoursFrom, obs, past, T0 } from './critical-fixtures.ts';

const table = loadCriticalTable();
const check = (id: string): DeltaCheck => {
  const c = table.deltaChecks.find((d) => d.id === id);
  assert.ok(c, id);
  return c;
};
const hbFall = check('hemoglobin-fall');
const kRise = check('potassium-rise');

const now = (value: number | string, units = 'g/dL') => ({ value, units, observedAt: T0, eventId: 'evt-now' });
const hb = (value: number, hoursBefore: number, more: Partial<PastObservation> = {}, units = 'g/dL'): PastObservation => ({
  ...past(obs('718-7', value, units), `evt-${hoursBefore}`, hoursFrom(T0, -hoursBefore)),
  ...more,
});

describe('critical delta checks: hemoglobin fall >= 2 g/dL within 24 h', () => {
  it('10.1 -> 8.0 within 24 h fires, with the change and the time apart', () => {
    const d = checkDelta(hbFall, now(8.0), [hb(10.1, 8)]);
    assert.ok(d);
    assert.equal(d.change, -2.1);
    assert.equal(d.hoursApart, 8);
    assert.equal(d.previousValue, 10.1);
    assert.equal(d.previous.eventId, 'evt-8');
  });

  it('10.1 -> 8.0 after 30 h does not fire', () => {
    assert.equal(checkDelta(hbFall, now(8.0), [hb(10.1, 30)]), undefined);
  });

  it('the threshold itself fires (10.1 -> 8.1), just under it does not (10.1 -> 8.2), a rise never does', () => {
    assert.ok(checkDelta(hbFall, now(8.1), [hb(10.1, 2)]));
    assert.equal(checkDelta(hbFall, now(8.2), [hb(10.1, 2)]), undefined);
    assert.equal(checkDelta(hbFall, now(12.5), [hb(10.1, 2)]), undefined);
  });

  it('exactly 24 h apart is within the window', () => {
    assert.ok(checkDelta(hbFall, now(8.0), [hb(10.1, 24)]));
  });

  it('compares with the latest earlier value, not an older higher one', () => {
    assert.equal(checkDelta(hbFall, now(8.0), [hb(8.5, 2), hb(10.5, 6)]), undefined);
    assert.equal(checkDelta(hbFall, now(8.0), [hb(10.5, 6), hb(8.5, 2)]), undefined, 'order of history does not matter');
  });

  it('ignores the current event, preliminary and cancelled results, and later values', () => {
    assert.equal(checkDelta(hbFall, now(8.0), [hb(10.1, 1, { eventId: 'evt-now' })]), undefined);
    assert.equal(checkDelta(hbFall, now(8.0), [hb(10.1, 1, { status: 'P' })]), undefined);
    assert.equal(checkDelta(hbFall, now(8.0), [hb(10.1, 1, { status: 'X' })]), undefined);
    assert.equal(checkDelta(hbFall, now(8.0), [hb(10.1, -1)]), undefined);
    assert.ok(checkDelta(hbFall, now(8.0), [hb(10.1, 1, { status: 'C' })]));
  });

  it('converts units on either side (previous 101 g/L, current 80 g/L)', () => {
    assert.ok(checkDelta(hbFall, now(8.0), [hb(101, 3, {}, 'g/L')]));
    assert.ok(checkDelta(hbFall, now(80, 'g/L'), [hb(10.1, 3)]));
    assert.equal(checkDelta(hbFall, now(8.0), [hb(101, 3, {}, 'furlongs')]), undefined);
  });

  it('a bound has no exact value to compare', () => {
    assert.equal(checkDelta(hbFall, now('<5'), [hb(10.1, 3)]), undefined);
  });
});

describe('critical delta checks: potassium rise >= 1.0 mmol/L within 24 h (site default)', () => {
  const k = (code: string, value: number, hoursBefore: number, units = 'mmol/L') => past(obs(code, value, units), `evt-k${hoursBefore}`, hoursFrom(T0, -hoursBefore));
  it('4.0 -> 5.0 fires, 4.0 -> 4.9 does not', () => {
    assert.ok(checkDelta(kRise, now(5.0, 'mmol/L'), [k('2823-3', 4.0, 5)], { valence: 1 }));
    assert.equal(checkDelta(kRise, now(4.9, 'mmol/L'), [k('2823-3', 4.0, 5)], { valence: 1 }), undefined);
  });
  it('across its codes (whole blood then serum) and in mEq/L', () => {
    assert.ok(checkDelta(kRise, now(5.6, 'mEq/L'), [k('6298-4', 4.5, 5)]));
  });
  it('creatinine has no delta check here (another processor owns it)', () => {
    assert.equal(table.deltaChecks.some((d) => d.loinc.includes('2160-0')), false);
  });
});
