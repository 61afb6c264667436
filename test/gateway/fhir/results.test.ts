import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Observation } from '@medplum/fhirtypes';
import { mapFhirResource } from '../../../src/gateway/fhir/mapper.ts';
import type { LabResultPayload } from '../../../src/event/payloads.ts';
import { routeEvent } from '../../../src/topology/route.ts';
import { defaultTopology } from '../../../src/topology/topology.ts';
import { CANARY } from '../../support/canary.ts';
import { bmpReport, ENCOUNTER_ID, MRN_SYSTEM, omit, options, PATIENT_ID, potassium, VISIT } from './fixtures.ts';

const V3 = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

function labPayload(resource: unknown): LabResultPayload {
  const [event] = mapFhirResource(resource, options);
  assert.equal(event?.event_type, 'lab_result');
  return event.payload as unknown as LabResultPayload;
}

describe('FHIR Observation and DiagnosticReport mapping', () => {
  it('maps a lab Observation to a lab_result: LOINC code, quantity, range, flags, status, times', () => {
    const [event] = mapFhirResource(potassium(), options);
    assert.deepEqual(event, {
      event_id: event?.event_id,
      event_type: 'lab_result',
      patient_id: PATIENT_ID,
      encounter_id: ENCOUNTER_ID,
      // effectiveDateTime (collection), 09:10 at -05:00.
      event_timestamp: '2024-03-15T14:10:00.000Z',
      payload: {
        patient: { identifiers: [{ value: CANARY.mrn, authority: MRN_SYSTEM }] },
        encounter: { visitNumber: VISIT },
        // The placer number from basedOn's PLAC identifier, the filler from the FILL identifier.
        order: { fillerNumber: 'LAB-2024-0042-K', placerNumber: 'PLC-778' },
        observations: [
          {
            // The LOINC coding, though the lab's local code comes first.
            code: { system: 'http://loinc.org', code: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma' },
            value: 6.2,
            valueType: 'Quantity',
            units: 'mmol/L',
            referenceRange: { low: 3.5, high: 5.1, text: '3.5-5.1 mmol/L' },
            abnormalFlags: ['H'],
            status: 'F',
            observedAt: '2024-03-15T14:10:00.000Z',
          },
        ],
        reportStatus: 'F',
        resultTime: '2024-03-15T14:45:12.345Z',
        source: { format: 'fhir', messageType: 'Observation' },
      },
    });
    assert.deepEqual(
      routeEvent(defaultTopology, event!).map((r) => [r.topic, r.key]),
      [['lab-results', PATIENT_ID]],
    );
  });

  it('maps statuses to HL7 result statuses and interpretation codes to abnormal flags', () => {
    const statuses: [Observation['status'], string][] = [
      ['final', 'F'],
      ['preliminary', 'P'],
      ['amended', 'C'],
      ['corrected', 'C'],
      ['cancelled', 'X'],
    ];
    for (const [status, letter] of statuses) {
      assert.equal(labPayload({ ...potassium(), status }).observations[0]?.status, letter, status);
    }
    for (const flag of ['H', 'L', 'HH', 'LL', 'A', 'AA', 'N']) {
      const obs = { ...potassium(), interpretation: [{ coding: [{ system: V3, code: flag }] }] };
      assert.deepEqual(labPayload(obs).observations[0]?.abnormalFlags, [flag]);
    }
    // Codes of other systems are not flags.
    const other = { ...potassium(), interpretation: [{ coding: [{ system: 'http://example.org/flags', code: 'HIGH' }] }] };
    assert.deepEqual(labPayload(other).observations[0]?.abnormalFlags, []);
  });

  it('reads string, coded and comparator values without turning a limit into a measurement', () => {
    const base = omit(potassium(), 'valueQuantity');
    const text = labPayload({ ...base, valueString: 'hemolyzed specimen' }).observations[0];
    assert.deepEqual([text?.value, text?.valueType], ['hemolyzed specimen', 'string']);
    const coded = labPayload({ ...base, valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '260385009', display: 'Negative' }], text: 'Negative' } }).observations[0];
    assert.deepEqual([coded?.value, coded?.valueType], ['Negative', 'CodeableConcept']);
    const below = labPayload({ ...base, valueQuantity: { value: 0.5, comparator: '<', unit: 'mmol/L' } }).observations[0];
    assert.deepEqual([below?.value, below?.units], ['<0.5', 'mmol/L']);
    const pending = labPayload({ ...base, status: 'preliminary', dataAbsentReason: { text: 'pending' } }).observations[0];
    assert.deepEqual([pending?.value, pending?.status], [null, 'P']);
  });

  it('maps a DiagnosticReport with contained Observations to one lab_result holding all of them', () => {
    const [event, ...rest] = mapFhirResource(bmpReport(), options);
    assert.equal(rest.length, 0);
    assert.equal(event?.event_type, 'lab_result');
    assert.equal(event?.patient_id, PATIENT_ID);
    assert.equal(event?.encounter_id, ENCOUNTER_ID);
    assert.equal(event?.event_timestamp, '2024-03-15T11:00:00.000Z');
    const payload = event?.payload as unknown as LabResultPayload;
    assert.deepEqual(payload.order, {
      fillerNumber: 'LAB-2024-0042',
      placerNumber: 'PLC-778',
      code: { system: 'http://loinc.org', code: '51990-0', display: 'Basic metabolic panel - Blood' },
    });
    assert.equal(payload.reportStatus, 'F');
    assert.equal(payload.resultTime, '2024-03-15T11:45:00.000Z');
    assert.deepEqual(payload.source, { format: 'fhir', messageType: 'DiagnosticReport' });
    // In the order of DiagnosticReport.result.
    assert.deepEqual(
      payload.observations.map((o) => [o.code.code, o.value, o.units, o.abnormalFlags, o.referenceRange, o.status]),
      [
        ['2951-2', 138, 'mmol/L', ['N'], { low: 136, high: 145 }, 'F'],
        ['2823-3', 6.8, 'mmol/L', ['HH'], { low: 3.5, high: 5.1 }, 'F'],
        ['2345-7', 250, 'mg/dL', ['H'], { low: 70, high: 99 }, 'F'],
      ],
    );
  });

  it('carries an Observation’s components as observations of their own', () => {
    const bp: Observation = {
      resourceType: 'Observation',
      id: 'bp-1',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }] },
      subject: { identifier: { system: MRN_SYSTEM, value: CANARY.mrn } },
      effectiveDateTime: '2024-03-15T09:00:00-05:00',
      component: [
        { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 182, unit: 'mm[Hg]' } },
        { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 95, unit: 'mm[Hg]' } },
      ],
    };
    const payload = labPayload(bp);
    assert.deepEqual(
      payload.observations.map((o) => [o.code.code, o.value, o.status, o.observedAt]),
      [
        ['85354-9', null, 'F', '2024-03-15T14:00:00.000Z'],
        ['8480-6', 182, 'F', '2024-03-15T14:00:00.000Z'],
        ['8462-4', 95, 'F', '2024-03-15T14:00:00.000Z'],
      ],
    );
  });
});
