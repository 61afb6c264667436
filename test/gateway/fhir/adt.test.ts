import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Encounter } from '@medplum/fhirtypes';
import { mapFhirResource } from '../../../src/gateway/fhir/mapper.ts';
import { SYSTEM } from '../../../src/event/payloads.ts';
import { routeEvent } from '../../../src/topology/route.ts';
import { defaultTopology } from '../../../src/topology/topology.ts';
import { CANARY } from '../../support/canary.ts';
import { ENCOUNTER_ID, finishedEncounter, inpatientEncounter, MRN_SYSTEM, omit, options, patient, PATIENT_ID, VISIT } from './fixtures.ts';

const subjectOnly = { identifiers: [{ value: CANARY.mrn, authority: MRN_SYSTEM }] };
const bed = { bed: 'A', room: '401', pointOfCare: '4WEST' };
const admittingDiagnosis = {
  code: { system: SYSTEM.icd10cm, code: 'I21.4', display: 'Non-ST elevation (NSTEMI) myocardial infarction' },
  type: 'A',
  recordedAt: '2024-03-15T13:25:00.000Z',
};

describe('FHIR Patient and Encounter mapping', () => {
  it('maps a US Core Patient to a registration_update keyed on its MRN', () => {
    const [event, ...rest] = mapFhirResource(patient(), options);
    assert.equal(rest.length, 0);
    assert.deepEqual(event, {
      event_id: event?.event_id,
      event_type: 'registration_update',
      // The identifier of type MR, though the SSN comes first and an old MRN follows.
      patient_id: PATIENT_ID,
      encounter_id: null,
      // No clinical time on a Patient: meta.lastUpdated, 08:20 at -05:00.
      event_timestamp: '2024-03-15T13:20:00.000Z',
      payload: {
        trigger: 'FHIR:Patient',
        patient: {
          identifiers: [
            { value: '999-00-1234', authority: 'http://hl7.org/fhir/sid/us-ssn', type: 'SS' },
            { value: CANARY.mrn, authority: MRN_SYSTEM, type: 'MR' },
            { value: 'OLD-CANARY-1', authority: 'http://legacy.example.org/mrn', type: 'MR' },
            { value: 'CANARY-DL-55', authority: 'urn:oid:2.16.840.1.113883.4.3.25', type: 'DL' },
          ],
          // The official name, not the nickname sent first.
          name: { family: 'ZZCANARY', given: ['PATIENT', 'Q'] },
          birthDate: '1931-02-28',
          sex: 'female',
        },
        diagnoses: [],
        coverage: [],
        source: { format: 'fhir', messageType: 'Patient' },
      },
    });
    assert.match(event?.event_id ?? '', /^fhir-[0-9a-f]{32}$/);
  });

  it('maps an in-progress inpatient Encounter to an admission dated period.start', () => {
    const [event] = mapFhirResource(inpatientEncounter(), options);
    assert.deepEqual(event, {
      event_id: event?.event_id,
      event_type: 'admission',
      patient_id: PATIENT_ID,
      encounter_id: ENCOUNTER_ID,
      event_timestamp: '2024-03-15T13:25:00.000Z',
      payload: {
        trigger: 'FHIR:Encounter',
        patient: subjectOnly,
        encounter: {
          visitNumber: VISIT,
          class: 'inpatient',
          admitTime: '2024-03-15T13:25:00.000Z',
          attendingProviderId: '1234567893',
          // The contained bed, its room and its ward, through partOf.
          location: bed,
        },
        diagnoses: [admittingDiagnosis],
        coverage: [],
        source: { format: 'fhir', messageType: 'Encounter' },
      },
    });
  });

  it('reads the encounter class as the HL7 patient class would be', () => {
    const classes: [string, string][] = [
      ['IMP', 'inpatient'],
      ['ACUTE', 'inpatient'],
      ['EMER', 'emergency'],
      ['AMB', 'outpatient'],
      ['OBSENC', 'observation'],
      ['PRENC', 'preadmit'],
      ['VR', 'other'],
    ];
    for (const [code, expected] of classes) {
      const enc: Encounter = { ...inpatientEncounter(), status: 'arrived', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code } };
      const [event] = mapFhirResource(enc, options);
      assert.equal(event?.event_type, 'admission');
      assert.equal((event?.payload.encounter as { class: string }).class, expected, code);
    }
  });

  it('maps a finished Encounter to a discharge dated period.end, routed to both discharge topics', () => {
    const [event] = mapFhirResource(finishedEncounter(), options);
    assert.deepEqual(event, {
      event_id: event?.event_id,
      event_type: 'discharge',
      patient_id: PATIENT_ID,
      encounter_id: ENCOUNTER_ID,
      event_timestamp: '2024-03-19T15:00:00.000Z',
      payload: {
        trigger: 'FHIR:Encounter',
        patient: subjectOnly,
        encounter: {
          visitNumber: VISIT,
          class: 'inpatient',
          admitTime: '2024-03-15T13:25:00.000Z',
          dischargeTime: '2024-03-19T15:00:00.000Z',
          dischargeDisposition: 'home',
          attendingProviderId: '1234567893',
          // Where the patient was when the encounter ended.
          location: bed,
        },
        diagnoses: [admittingDiagnosis],
        coverage: [],
        source: { format: 'fhir', messageType: 'Encounter' },
      },
    });
    assert.deepEqual(
      routeEvent(defaultTopology, event!).map((r) => [r.topic, r.key]),
      [
        ['hl7-adt-events', PATIENT_ID],
        ['discharge-events', ENCOUNTER_ID],
      ],
    );
  });

  it('maps an in-progress Encounter whose location history shows a move to a transfer', () => {
    const enc: Encounter = {
      ...inpatientEncounter(),
      meta: { versionId: '2', lastUpdated: '2024-03-16T10:06:00-05:00' },
      location: [
        { location: { reference: '#bed' }, status: 'completed', period: { start: '2024-03-15T08:25:00-05:00', end: '2024-03-16T10:00:00-05:00' } },
        { location: { reference: 'Location/icu-7', display: 'ICU 7' }, status: 'active', period: { start: '2024-03-16T10:05:00-05:00' } },
      ],
    };
    const [event] = mapFhirResource(enc, options);
    assert.equal(event?.event_type, 'transfer');
    // When the patient arrived at the new location.
    assert.equal(event?.event_timestamp, '2024-03-16T15:05:00.000Z');
    const encounter = event?.payload.encounter as Record<string, unknown>;
    // An unresolved Location is known by its display.
    assert.deepEqual(encounter.location, { pointOfCare: 'ICU 7' });
    assert.deepEqual(encounter.priorLocation, bed);
    // The same history without the move is an admission again.
    const [admission] = mapFhirResource({ ...enc, location: enc.location?.slice(1) }, options);
    assert.equal(admission?.event_type, 'admission');
  });

  it('resolves the subject to a contained Patient and keys on its MRN', () => {
    const pat = omit(patient(), 'meta');
    const enc: Encounter = { ...inpatientEncounter(), subject: { reference: '#p' } };
    enc.contained = [...(enc.contained ?? []), { ...pat, id: 'p' }];
    const [event] = mapFhirResource(enc, options);
    assert.equal(event?.patient_id, PATIENT_ID);
    assert.deepEqual((event?.payload.patient as { name: unknown }).name, { family: 'ZZCANARY', given: ['PATIENT', 'Q'] });
  });
});
