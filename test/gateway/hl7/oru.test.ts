import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabResultPayload } from '../../../src/event/payloads.ts';
import { SYSTEM } from '../../../src/event/payloads.ts';
import { mapHl7Message } from '../../../src/gateway/hl7/mapper.ts';
import { CANARY } from '../../support/canary.ts';
import { fixture, options } from './fixtures.ts';

function labResults(text: string, timeZone?: string): { events: ReturnType<typeof mapHl7Message>['events']; payloads: LabResultPayload[] } {
  const { events } = mapHl7Message(text, timeZone ? { ...options, timeZone } : options);
  return { events, payloads: events.map((e) => e.payload as unknown as LabResultPayload) };
}

describe('HL7 ORU^R01 mapping', () => {
  const { events, payloads } = labResults(fixture('lab-oru-r01-v23.hl7'), '-04:00');
  const [cbc, troponin, urinalysis] = payloads;

  it('makes one lab_result event per OBR group, in message order, with distinct ids', () => {
    assert.equal(events.length, 3);
    assert.ok(events.every((e) => e.event_type === 'lab_result'));
    assert.ok(events.every((e) => e.patient_id === `pt:UHS:${CANARY.mrn}` && e.encounter_id === 'enc:UHS:V-CANARY-0002'));
    assert.equal(new Set(events.map((e) => e.event_id)).size, 3);
    assert.deepEqual(
      payloads.map((p) => p.observations.length),
      [4, 2, 5],
    );
    // OBR-7, with its fractional seconds for the second report; the third has no offset (site -04:00).
    assert.deepEqual(
      events.map((e) => e.event_timestamp),
      ['2024-03-16T11:00:00.000Z', '2024-03-16T11:15:00.500Z', '2024-03-16T11:20:00.000Z'],
    );
  });

  it('reads order numbers, falling back to ORC, and prefers a standard alternate code to a local one', () => {
    assert.deepEqual(cbc?.order, {
      // OBR-2 is empty: ORC-2 gives the placer number.
      placerNumber: 'PL-1001',
      fillerNumber: 'FL-5001',
      code: { system: SYSTEM.loinc, code: '58410-2', display: 'CBC panel - Blood' },
    });
    assert.deepEqual(troponin?.order.code, { system: 'urn:vigil:local:MAINLAB', code: 'TROP', display: 'Troponin I' });
    assert.equal(cbc?.reportStatus, 'F');
    assert.equal(cbc?.resultTime, '2024-03-16T13:00:00.000Z');
    assert.equal(troponin?.reportStatus, 'P');
    assert.equal(urinalysis?.resultTime, undefined);
  });

  it('maps NM results with units, parsed reference ranges and repeating abnormal flags', () => {
    assert.deepEqual(cbc?.observations.slice(0, 3), [
      {
        code: { system: SYSTEM.loinc, code: '6690-2', display: 'WBC' },
        value: 12.4,
        valueType: 'NM',
        abnormalFlags: ['H'],
        status: 'F',
        units: '10*3/uL',
        referenceRange: { low: 4, high: 11, text: '4.0-11.0' },
        observedAt: '2024-03-16T11:00:00.000Z',
      },
      {
        code: { system: SYSTEM.loinc, code: '718-7', display: 'Hemoglobin' },
        value: 6.8,
        valueType: 'NM',
        abnormalFlags: ['LL', 'A'],
        status: 'F',
        units: 'g/dL',
        referenceRange: { low: 12, high: 15.5, text: '12.0-15.5' },
        // No OBX-14: OBR-7.
        observedAt: '2024-03-16T11:00:00.000Z',
      },
      {
        code: { system: SYSTEM.loinc, code: '777-3', display: 'Platelets' },
        value: 250,
        valueType: 'NM',
        abnormalFlags: ['N'],
        status: 'F',
        units: '10*3/uL',
        referenceRange: { low: 150, high: 400, text: '150 - 400' },
        observedAt: '2024-03-16T11:00:00.000Z',
      },
    ]);
  });

  it('decodes escapes in text results (ST, TX repetitions as lines)', () => {
    assert.equal(cbc?.observations[3]?.value, 'Few target cells & schistocytes\nReviewed by pathologist');
    assert.equal(cbc?.observations[3]?.valueType, 'ST');
    assert.equal(urinalysis?.observations[3]?.value, 'Specimen received & processed\nSecond line with | and ^');
    assert.equal(urinalysis?.observations[3]?.code.system, 'urn:vigil:local:MAINLAB');
  });

  it('keeps SN comparisons, ranges and ratios as text and plain SN numbers as numbers', () => {
    assert.deepEqual(troponin?.observations[0], {
      code: { system: SYSTEM.loinc, code: '10839-9', display: 'Troponin I.cardiac' },
      value: '<0.01',
      valueType: 'SN',
      abnormalFlags: ['N'],
      status: 'P',
      units: 'ng/mL',
      referenceRange: { high: 0.04, text: '<0.04' },
      observedAt: '2024-03-16T11:15:00.500Z',
    });
    assert.equal(troponin?.observations[1]?.value, 105);
    assert.deepEqual(troponin?.observations[1]?.referenceRange, { low: 70, high: 99, text: '70-99' });
    assert.equal(urinalysis?.observations[1]?.value, '10-20');
    assert.equal(urinalysis?.observations[2]?.value, '1:128');
  });

  it('reads coded results as their text, and one-sided reference ranges', () => {
    assert.equal(urinalysis?.observations[0]?.value, 'Yellow');
    assert.equal(urinalysis?.observations[0]?.valueType, 'CE');
    assert.deepEqual(urinalysis?.observations[4]?.referenceRange, { low: 1.005, text: '>1.005' });
    assert.equal(urinalysis?.observations[4]?.units, undefined);
  });

  it('keeps NTE comments out of the payload', () => {
    assert.ok(!JSON.stringify(events).includes('CANARY note'));
  });
});
