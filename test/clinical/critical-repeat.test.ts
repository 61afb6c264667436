import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findRepeat, valueFingerprint, type Worse } from '../../src/clinical/critical/repeat.ts';
import type { PastDecision } from '../../src/processors/history.ts';
import { hoursFrom, T0 } from './critical-fixtures.ts';

const SIX_HOURS = 6 * 3_600_000;
const paged = (ruleId: string, value: number | string, units: string, hoursBefore: number): PastDecision => ({ ruleId, at: hoursFrom(T0, -hoursBefore), fingerprint: valueFingerprint(value, units) });
const query = (ruleId: string, value: number | string, units: string, worse: Worse) => ({ ruleId, fingerprint: valueFingerprint(value, units), worse, at: T0, windowMs: SIX_HOURS });

describe('critical repeat suppression', () => {
  const kHigh = paged('critical:potassium-high', 6.8, 'mmol/L', 2);

  it('fingerprints are value|units, with float noise removed', () => {
    assert.equal(valueFingerprint(6.8, 'mmol/L'), '6.8|mmol/L');
    assert.equal(valueFingerprint(0.1 + 0.2, 'g/dL'), '0.3|g/dL');
    assert.equal(valueFingerprint('Positive', undefined), 'Positive|');
  });

  it('the same rule and value within the window is a repeat', () => {
    assert.equal(findRepeat(query('critical:potassium-high', 6.8, 'mmol/L', 'higher'), [kHigh]), kHigh);
  });

  it('a worse value pages again; an improving one is still a repeat', () => {
    assert.equal(findRepeat(query('critical:potassium-high', 7.1, 'mmol/L', 'higher'), [kHigh]), undefined);
    assert.equal(findRepeat(query('critical:potassium-high', 6.5, 'mmol/L', 'higher'), [kHigh]), kHigh);
    const kLow = paged('critical:potassium-low', 2.5, 'mmol/L', 1);
    assert.equal(findRepeat(query('critical:potassium-low', 2.3, 'mmol/L', 'lower'), [kLow]), undefined);
    assert.equal(findRepeat(query('critical:potassium-low', 2.6, 'mmol/L', 'lower'), [kLow]), kLow);
  });

  it('after the window (6 h and more) the same value pages again', () => {
    assert.equal(findRepeat(query('critical:potassium-high', 6.8, 'mmol/L', 'higher'), [paged('critical:potassium-high', 6.8, 'mmol/L', 6)]), undefined);
    assert.equal(findRepeat(query('critical:potassium-high', 6.8, 'mmol/L', 'higher'), [paged('critical:potassium-high', 6.8, 'mmol/L', 7)]), undefined);
    const justInside = paged('critical:potassium-high', 6.8, 'mmol/L', 5.99);
    assert.equal(findRepeat(query('critical:potassium-high', 6.8, 'mmol/L', 'higher'), [justInside]), justInside);
  });

  it('another rule, a later decision, or a decision without fingerprint never suppresses', () => {
    assert.equal(findRepeat(query('critical:potassium-low', 6.8, 'mmol/L', 'lower'), [kHigh]), undefined);
    assert.equal(findRepeat(query('critical:potassium-high', 6.8, 'mmol/L', 'higher'), [paged('critical:potassium-high', 6.8, 'mmol/L', -1)]), undefined);
    assert.equal(findRepeat(query('critical:potassium-high', 6.8, 'mmol/L', 'higher'), [{ ruleId: 'critical:potassium-high', at: hoursFrom(T0, -1) }]), undefined);
  });

  it('"different" (text results) suppresses only the identical value', () => {
    const aa = paged('critical:code-CULT-abnormal', 'Positive', '', 1);
    assert.equal(findRepeat(query('critical:code-CULT-abnormal', 'Positive', '', 'different'), [aa]), aa);
    assert.equal(findRepeat(query('critical:code-CULT-abnormal', 'Gram negative rods', '', 'different'), [aa]), undefined);
  });

  it('values in different units compare only when identical', () => {
    const mg = paged('critical:glucose-low', 40, 'mg/dL', 1);
    assert.equal(findRepeat(query('critical:glucose-low', 45, 'mmol/L', 'lower'), [mg]), undefined);
  });
});
