import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MedicationOrderPayload, OrderPayload } from '../../../src/event/payloads.ts';
import { SYSTEM } from '../../../src/event/payloads.ts';
import { mapHl7Message } from '../../../src/gateway/hl7/mapper.ts';
import { routeEvent } from '../../../src/topology/route.ts';
import { defaultTopology } from '../../../src/topology/topology.ts';
import { CANARY } from '../../support/canary.ts';
import { fixture, options, setField } from './fixtures.ts';

const ROUTE_TABLE = 'http://terminology.hl7.org/CodeSystem/v2-0162';

describe('HL7 order mapping', () => {
  it('maps an ORM^O01 imaging order with its CPT code, priority, reasons, diagnoses and coverage', () => {
    const { events } = mapHl7Message(fixture('orm-o01-imaging-v24.hl7'), options);
    assert.equal(events.length, 1);
    const [event] = events;
    assert.equal(event?.event_type, 'order');
    assert.equal(event?.patient_id, `pt:UHS:${CANARY.mrn}`);
    assert.equal(event?.encounter_id, 'enc:UHS:V-CANARY-0003');
    // ORC-9: 10:12 at -04:00.
    assert.equal(event?.event_timestamp, '2024-03-17T14:12:00.000Z');
    const payload = event?.payload as unknown as OrderPayload;
    assert.deepEqual(payload.order, {
      control: 'NW',
      placerNumber: 'ORD-9001',
      orderedAt: '2024-03-17T14:12:00.000Z',
      orderingProviderId: '5566',
      code: { system: SYSTEM.cpt, code: '70450', display: 'CT HEAD WO CONTRAST' },
      // A reason sent as text only ("^Fall at home") has no code to carry.
      reasons: [
        { system: SYSTEM.icd10cm, code: 'R51.9', display: 'Headache, unspecified' },
        { system: SYSTEM.icd10cm, code: 'S06.0X0A', display: 'Concussion without loss of consciousness' },
      ],
      priority: 'S',
    });
    assert.deepEqual(payload.diagnoses, [{ code: { system: SYSTEM.icd10cm, code: 'R51.9', display: 'Headache, unspecified' }, type: 'W' }]);
    assert.deepEqual(payload.coverage, [{ payerId: 'AET01', payerName: 'Aetna', planId: 'AETNA-HMO', memberId: 'W123456789', groupNumber: 'GRP-10' }]);
    assert.deepEqual(payload.encounter, { visitNumber: 'V-CANARY-0003', class: 'emergency', location: { pointOfCare: 'ED', room: '10', bed: '1', facility: 'UHS' } });
    assert.deepEqual(payload.source, { format: 'hl7v2', sendingApplication: 'EPIC', sendingFacility: 'UHS', messageType: 'ORM^O01', controlId: 'ORM-77001', version: '2.4' });
    assert.ok(!JSON.stringify(payload).includes('CANARY note'));
    assert.deepEqual(routeEvent(defaultTopology, event!), [{ topic: 'clinical-orders', key: 'enc:UHS:V-CANARY-0003' }]);
  });

  it('maps an OML^O21 with two lab orders to two order events, TQ1 priorities and per-order diagnoses', () => {
    const { events } = mapHl7Message(fixture('oml-o21-lab-v251.hl7'), options);
    assert.equal(events.length, 2);
    const [cmp, lactate] = events.map((e) => e.payload as unknown as OrderPayload);
    assert.deepEqual(
      events.map((e) => e.event_timestamp),
      ['2024-03-18T10:40:00.000Z', '2024-03-18T10:41:00.000Z'],
    );
    assert.deepEqual(cmp?.order, {
      control: 'NW',
      placerNumber: 'ORD-7001',
      orderedAt: '2024-03-18T10:40:00.000Z',
      orderingProviderId: '5566',
      code: { system: SYSTEM.loinc, code: '24323-8', display: 'Comprehensive metabolic panel' },
      reasons: [],
      priority: 'R',
    });
    assert.deepEqual(cmp?.diagnoses, [{ code: { system: SYSTEM.icd10cm, code: 'N18.30', display: 'Chronic kidney disease, stage 3 unspecified' }, type: 'W' }]);
    // A local code with a LOINC alternate is carried as the LOINC code, with the alternate's text.
    assert.deepEqual(lactate?.order.code, { system: SYSTEM.loinc, code: '2524-7', display: 'Lactate SerPl-sCnc' });
    assert.equal(lactate?.order.priority, 'S');
    assert.deepEqual(lactate?.order.reasons, [{ system: SYSTEM.icd10cm, code: 'R65.21', display: 'Severe sepsis with septic shock' }]);
    assert.deepEqual(lactate?.diagnoses, []);
    assert.equal(lactate?.source.messageType, 'OML^O21');
  });

  it('maps an RDE^O11 with an RxNorm give code, dose, route and TQ1 timing', () => {
    const [event] = mapHl7Message(fixture('rde-o11-rxnorm-v251.hl7'), options).events;
    assert.equal(event?.event_type, 'medication_order');
    assert.equal(event?.encounter_id, 'enc:UHS:V-CANARY-0001');
    assert.equal(event?.event_timestamp, '2024-03-19T15:55:00.000Z');
    const { patient, encounter, source, ...rest } = event?.payload as unknown as MedicationOrderPayload;
    assert.equal(patient.identifiers[0]?.value, CANARY.mrn);
    assert.equal(encounter?.visitNumber, 'V-CANARY-0001');
    assert.equal(source.messageType, 'RDE^O11');
    assert.deepEqual(rest, {
      order: { control: 'NW', placerNumber: 'RX-1001', orderedAt: '2024-03-19T15:55:00.000Z', orderingProviderId: '5566' },
      medication: { system: SYSTEM.rxnorm, code: '313782', display: 'Acetaminophen 325 MG Oral Tablet' },
      dose: { value: 650, units: 'mg' },
      route: { system: ROUTE_TABLE, code: 'PO', display: 'Oral' },
      frequency: 'Q6H',
      start: '2024-03-19T16:00:00.000Z',
      end: '2024-03-26T16:00:00.000Z',
      diagnoses: [],
      coverage: [{ payerId: 'BCBS01', payerName: 'Blue Cross', planId: 'BCBS-PPO', memberId: 'MEMBER-CANARY-77' }],
    });
    assert.deepEqual(routeEvent(defaultTopology, event!), [{ topic: 'clinical-orders', key: 'enc:UHS:V-CANARY-0001' }]);
  });

  it('maps a v2.4 RDE with an NDC code, RXE-1 timing, and the route given after RXE', () => {
    const [event] = mapHl7Message(fixture('rde-o11-ndc-v24.hl7'), { ...options, timeZone: 'America/New_York' }).events;
    const payload = event?.payload as unknown as MedicationOrderPayload;
    assert.equal(event?.patient_id, `pt:CMH:${CANARY.mrn}`);
    assert.equal(event?.event_timestamp, '2024-03-20T11:55:00.000Z');
    assert.deepEqual(payload.medication, { system: SYSTEM.ndc, code: '63323-0540-31', display: 'Heparin Sodium 5000 UNIT/ML' });
    assert.deepEqual(payload.dose, { value: 5000, units: 'U' });
    // RXR-1 without a coding system: HL7 table 0162.
    assert.deepEqual(payload.route, { system: ROUTE_TABLE, code: 'SQ', display: 'Subcutaneous' });
    assert.equal(payload.frequency, 'Q8H');
    assert.equal(payload.start, '2024-03-20T12:00:00.000Z');
    assert.equal(payload.end, '2024-03-27T12:00:00.000Z');
    assert.deepEqual(payload.order, { control: 'NW', placerNumber: 'RX-2002', orderedAt: '2024-03-20T11:55:00.000Z' });
  });

  it('reads the give code system case-insensitively and a local code as local', () => {
    let text = setField(fixture('rde-o11-rxnorm-v251.hl7'), 'RXE', 2, '313782^Acetaminophen^RXNORM');
    assert.equal((mapHl7Message(text, options).events[0]?.payload as unknown as MedicationOrderPayload).medication.system, SYSTEM.rxnorm);
    text = setField(text, 'RXE', 2, 'APAP325^Acetaminophen^99EPIC');
    assert.deepEqual((mapHl7Message(text, options).events[0]?.payload as unknown as MedicationOrderPayload).medication, {
      system: 'urn:vigil:local:UHS',
      code: 'APAP325',
      display: 'Acetaminophen',
    });
  });
});

describe('HL7 order type (ORC-29)', () => {
  it('carries I or O as sent, for prior authorization to tell outpatient orders from inpatient ones', () => {
    const outpatient = mapHl7Message(setField(fixture('orm-o01-imaging-v24.hl7'), 'ORC', 29, 'O'), options).events[0]?.payload as unknown as OrderPayload;
    assert.equal(outpatient.order.orderType, 'O');
    const unsaid = mapHl7Message(fixture('orm-o01-imaging-v24.hl7'), options).events[0]?.payload as unknown as OrderPayload;
    assert.equal(unsaid.order.orderType, undefined);
  });
});
