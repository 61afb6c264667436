import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MedicationRequest, ServiceRequest } from '@medplum/fhirtypes';
import { mapFhirResource } from '../../../src/gateway/fhir/mapper.ts';
import { SYSTEM, type MedicationOrderPayload, type OrderPayload } from '../../../src/event/payloads.ts';
import { routeEvent } from '../../../src/topology/route.ts';
import { defaultTopology } from '../../../src/topology/topology.ts';
import { CANARY } from '../../support/canary.ts';
import { ctOrder, ENCOUNTER_ID, MRN_SYSTEM, options, PATIENT_ID, VISIT, warfarinOrder } from './fixtures.ts';

const patientInfo = { identifiers: [{ value: CANARY.mrn, authority: MRN_SYSTEM }] };

describe('FHIR ServiceRequest and MedicationRequest mapping', () => {
  it('maps a CT order to an order event coded in CPT, keyed by encounter', () => {
    const [event] = mapFhirResource(ctOrder(), options);
    assert.deepEqual(event, {
      event_id: event?.event_id,
      event_type: 'order',
      patient_id: PATIENT_ID,
      encounter_id: ENCOUNTER_ID,
      event_timestamp: '2024-03-15T15:00:00.000Z',
      payload: {
        patient: patientInfo,
        encounter: { visitNumber: VISIT },
        order: {
          placerNumber: 'ORD-5511',
          control: 'NW',
          // CPT preferred over the SNOMED CT coding sent first.
          code: { system: SYSTEM.cpt, code: '74177', display: 'CT abdomen and pelvis with contrast' },
          reasons: [{ system: SYSTEM.icd10cm, code: 'R10.9', display: 'Unspecified abdominal pain' }],
          priority: 'S',
          orderedAt: '2024-03-15T15:00:00.000Z',
          orderingProviderId: '1234567893',
        },
        diagnoses: [],
        coverage: [],
        source: { format: 'fhir', messageType: 'ServiceRequest' },
      },
    });
    assert.deepEqual(
      routeEvent(defaultTopology, event!).map((r) => [r.topic, r.key]),
      [['clinical-orders', ENCOUNTER_ID]],
    );
  });

  it('maps request status to the order control, and a LOINC lab order', () => {
    const controls: [ServiceRequest['status'], string][] = [
      ['active', 'NW'],
      ['revoked', 'CA'],
      ['on-hold', 'HD'],
    ];
    for (const [status, control] of controls) {
      const [event] = mapFhirResource({ ...ctOrder(), status }, options);
      assert.equal((event?.payload as unknown as OrderPayload).order.control, control, status);
    }
    const lab: ServiceRequest = { ...ctOrder(), priority: 'routine', code: { coding: [{ system: SYSTEM.loinc, code: '24323-8', display: 'Comprehensive metabolic panel' }] } };
    const order = (mapFhirResource(lab, options)[0]?.payload as unknown as OrderPayload).order;
    assert.deepEqual([order.code.system, order.code.code, order.priority], [SYSTEM.loinc, '24323-8', 'R']);
  });

  it('maps a warfarin MedicationRequest to a medication_order: RxNorm, dose, route, frequency', () => {
    const [event] = mapFhirResource(warfarinOrder(), options);
    assert.deepEqual(event, {
      event_id: event?.event_id,
      event_type: 'medication_order',
      patient_id: PATIENT_ID,
      encounter_id: ENCOUNTER_ID,
      event_timestamp: '2024-03-15T16:30:00.000Z',
      payload: {
        patient: patientInfo,
        encounter: { visitNumber: VISIT },
        order: { placerNumber: 'RX-9001', control: 'NW', orderedAt: '2024-03-15T16:30:00.000Z', orderingProviderId: '1234567893' },
        // RxNorm preferred over the NDC coding sent first.
        medication: { system: SYSTEM.rxnorm, code: '11289', display: 'warfarin' },
        dose: { value: 5, units: 'mg' },
        route: { system: SYSTEM.snomed, code: '26643006', display: 'Oral route' },
        frequency: 'QD',
        start: '2024-03-15T23:00:00.000Z',
        diagnoses: [{ code: { system: SYSTEM.icd10cm, code: 'I48.91', display: 'Unspecified atrial fibrillation' } }],
        coverage: [],
        source: { format: 'fhir', messageType: 'MedicationRequest' },
      },
    });
    assert.deepEqual(
      routeEvent(defaultTopology, event!).map((r) => [r.topic, r.key]),
      [['clinical-orders', ENCOUNTER_ID]],
    );
  });

  it('maps cancelled and stopped to CA and DC, and resolves a contained Medication', () => {
    const controls: [MedicationRequest['status'], string][] = [
      ['cancelled', 'CA'],
      ['stopped', 'DC'],
    ];
    for (const [status, control] of controls) {
      const [event] = mapFhirResource({ ...warfarinOrder(), status }, options);
      assert.equal((event?.payload as unknown as MedicationOrderPayload).order.control, control, status);
    }
    const { medicationCodeableConcept, ...rest } = warfarinOrder();
    const byReference: MedicationRequest = {
      ...rest,
      contained: [{ resourceType: 'Medication', id: 'med', code: medicationCodeableConcept }],
      medicationReference: { reference: '#med' },
    };
    const payload = mapFhirResource(byReference, options)[0]?.payload as unknown as MedicationOrderPayload;
    assert.deepEqual(payload.medication, { system: SYSTEM.rxnorm, code: '11289', display: 'warfarin' });
  });
});
