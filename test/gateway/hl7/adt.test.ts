import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapHl7Message } from '../../../src/gateway/hl7/mapper.ts';
import { SYSTEM } from '../../../src/event/payloads.ts';
import { routeEvent } from '../../../src/topology/route.ts';
import { defaultTopology } from '../../../src/topology/topology.ts';
import { CANARY } from '../../support/canary.ts';
import { fixture, options, setField, withoutSegments } from './fixtures.ts';

describe('HL7 ADT mapping', () => {
  it('maps an Epic-style A01 to an admission, field by field', () => {
    const { events, header } = mapHl7Message(fixture('epic-adt-a01-v251.hl7'), options);
    assert.deepEqual(header, {
      sendingApplication: 'EPIC',
      sendingFacility: 'UHS',
      controlId: 'E8812345',
      messageType: 'ADT^A01',
      version: '2.5.1',
    });
    assert.equal(events.length, 1);
    const [event] = events;
    assert.deepEqual(event, {
      event_id: event?.event_id,
      event_type: 'admission',
      // The first identifier of type MR, though a null ("") and other types come first or after.
      patient_id: `pt:UHS:${CANARY.mrn}`,
      encounter_id: 'enc:UHS:V-CANARY-0001',
      // EVN-2, 08:30 at -05:00.
      event_timestamp: '2024-03-15T13:30:00.000Z',
      payload: {
        trigger: 'A01',
        patient: {
          identifiers: [
            { value: CANARY.mrn, authority: 'UHS', type: 'MR' },
            { value: 'E9900112', authority: 'EPI', type: 'PI' },
            { value: '999-00-1234', authority: 'SSA', type: 'SS' },
            { value: 'CANARY-DL-55', authority: 'MA', type: 'DL' },
          ],
          // The legal name (XPN.7 = L), not the alias sent first.
          name: { family: 'ZZCANARY', given: ['PATIENT', 'Q'] },
          birthDate: '1931-02-28',
          sex: 'female',
        },
        encounter: {
          visitNumber: 'V-CANARY-0001',
          class: 'inpatient',
          location: { pointOfCare: '4WEST', room: '401', bed: 'A', facility: 'UHS' },
          admissionType: 'E',
          admitTime: '2024-03-15T13:25:00.000Z',
          attendingProviderId: '1234567',
        },
        diagnoses: [
          {
            code: { system: SYSTEM.icd10cm, code: 'I21.4', display: 'Non-ST elevation (NSTEMI) myocardial infarction' },
            type: 'A',
            recordedAt: '2024-03-15T13:25:00.000Z',
          },
          { code: { system: SYSTEM.icd10cm, code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' }, type: 'W' },
        ],
        coverage: [
          {
            payerId: 'BCBS01',
            // IN1-4 sent as "Blue Cross \T\ Blue Shield of MA".
            payerName: 'Blue Cross & Blue Shield of MA',
            planId: 'BCBS-PPO',
            memberId: 'MEMBER-CANARY-77',
            groupNumber: 'GRP-4400',
          },
        ],
        // OBX charted with the admission (vital signs, height, weight); no OBX-14, so no time of its own.
        observations: [{ code: { system: SYSTEM.loinc, code: '8302-2', display: 'Body height' }, value: 165, valueType: 'NM', units: 'cm', abnormalFlags: [], status: 'F' }],
        source: { format: 'hl7v2', sendingApplication: 'EPIC', sendingFacility: 'UHS', messageType: 'ADT^A01', controlId: 'E8812345', version: '2.5.1' },
      },
    });
    assert.match(event?.event_id ?? '', /^hl7-[0-9a-f]{32}$/);
    // Z-segments (ZPD, ZPV) and segments the payloads do not carry (NK1, AL1, PV2) leave no trace.
    const json = JSON.stringify(event);
    for (const absent of ['CANARY-PREF', 'CANARY free text', 'SPOUSE', 'Penicillin', 'Chest pain', 'ZZMAIDEN']) {
      assert.ok(!json.includes(absent), absent);
    }
    assert.deepEqual(routeEvent(defaultTopology, event!), [{ topic: 'hl7-adt-events', key: `pt:UHS:${CANARY.mrn}` }]);
  });

  it('maps an A04 registration to an admission that keeps its trigger', () => {
    const text = setField(fixture('epic-adt-a01-v251.hl7'), 'MSH', 9, 'ADT^A04^ADT_A01');
    const [event] = mapHl7Message(setField(text, 'PV1', 2, 'E'), options).events;
    assert.equal(event?.event_type, 'admission');
    assert.equal(event?.payload.trigger, 'A04');
    assert.equal((event?.payload.encounter as { class: string }).class, 'emergency');
    assert.equal((event?.payload.source as { messageType: string }).messageType, 'ADT^A04');
  });

  it('maps a Cerner-style A02 to a transfer with the prior location, local times in the site zone', () => {
    const [event] = mapHl7Message(fixture('cerner-adt-a02-v24.hl7'), { ...options, timeZone: 'America/Chicago' }).events;
    assert.equal(event?.event_type, 'transfer');
    assert.equal(event?.patient_id, `pt:MERCY:${CANARY.mrn}`);
    assert.equal(event?.encounter_id, 'enc:MERCY:8812345');
    // 14:30 CDT (-05:00): daylight saving started two days before.
    assert.equal(event?.event_timestamp, '2024-03-12T19:30:00.000Z');
    assert.deepEqual(event?.payload.encounter, {
      visitNumber: '8812345',
      class: 'inpatient',
      location: { pointOfCare: '3EAST', room: '305', bed: 'B', facility: 'MERCY' },
      priorLocation: { pointOfCare: 'ED', room: '12', bed: '1', facility: 'MERCY' },
      admissionType: 'E',
      // 22:15 CDT (-05:00) the evening before.
      admitTime: '2024-03-12T03:15:00.000Z',
      attendingProviderId: '3344',
    });
    assert.deepEqual((event?.payload.patient as { identifiers: unknown[] }).identifiers, [
      { value: '7731-CANARY', authority: 'MERCY', type: 'CMRN' },
      { value: CANARY.mrn, authority: 'MERCY', type: 'MR' },
      { value: '8812345', authority: 'MERCY', type: 'FIN NBR' },
    ]);
    // Without the option, the same local times are read as UTC.
    const [plain] = mapHl7Message(fixture('cerner-adt-a02-v24.hl7'), options).events;
    assert.equal(plain?.event_timestamp, '2024-03-12T14:30:00.000Z');
  });

  it('maps a v2.3 A03 to a discharge routed by encounter, with disposition and final diagnoses', () => {
    const [event] = mapHl7Message(fixture('cerner-adt-a03-v23.hl7'), { ...options, timeZone: 'America/Chicago' }).events;
    assert.equal(event?.event_type, 'discharge');
    assert.equal(event?.event_timestamp, '2024-01-18T16:15:00.000Z');
    assert.deepEqual(event?.payload.encounter, {
      visitNumber: '8812345',
      class: 'inpatient',
      location: { pointOfCare: '3EAST', room: '305', bed: 'B', facility: 'MERCY' },
      admissionType: 'E',
      admitTime: '2024-01-12T04:15:00.000Z',
      dischargeTime: '2024-01-18T16:00:00.000Z',
      dischargeDisposition: '01',
      attendingProviderId: '3344',
    });
    assert.deepEqual(event?.payload.diagnoses, [
      { code: { system: SYSTEM.icd10cm, code: 'I50.9', display: 'Heart failure, unspecified' }, type: 'F' },
      // v2.3 layout: coding method in DG1-2, description in DG1-4.
      { code: { system: 'http://hl7.org/fhir/sid/icd-9-cm', code: '428.0', display: 'CHF & edema' }, type: 'F' },
    ]);
    assert.deepEqual(event?.payload.coverage, [{ payerId: 'CMS01', payerName: 'Medicare', planId: 'MCR', memberId: '1EG4-TE5-MK72' }]);
    assert.deepEqual(
      routeEvent(defaultTopology, event!).map((r) => r.topic),
      ['hl7-adt-events', 'discharge-events'],
    );
  });

  it('maps an A08 to a registration update, with a null encounter when there is no visit number', () => {
    let text = setField(fixture('epic-adt-a01-v251.hl7'), 'MSH', 9, 'ADT^A08^ADT_A01');
    text = setField(text, 'PV1', 19, '');
    const [event] = mapHl7Message(text, options).events;
    assert.equal(event?.event_type, 'registration_update');
    assert.equal(event?.encounter_id, null);
    assert.equal(event?.payload.trigger, 'A08');
  });

  it('falls back from EVN-2 to EVN-6, the visit time, then MSH-7', () => {
    let text = setField(fixture('epic-adt-a01-v251.hl7'), 'EVN', 2, '');
    text = setField(text, 'EVN', 6, '20240315082000-0500');
    assert.equal(mapHl7Message(text, options).events[0]?.event_timestamp, '2024-03-15T13:20:00.000Z');
    text = withoutSegments(text, 'EVN');
    assert.equal(mapHl7Message(text, options).events[0]?.event_timestamp, '2024-03-15T13:25:00.000Z');
    text = setField(text, 'PV1', 44, '');
    assert.equal(mapHl7Message(text, options).events[0]?.event_timestamp, '2024-03-15T13:30:12.000Z');
  });

  it('takes the first identifier when none is of type MR, and reads the trigger from EVN-1 when MSH-9 lacks it', () => {
    let text = setField(fixture('cerner-adt-a03-v23.hl7'), 'PID', 3, 'X-1^^^MERCY^PI~MRN-CANARY-7731^^^MERCY^MRN');
    text = setField(text, 'MSH', 9, 'ADT');
    const [event] = mapHl7Message(text, options).events;
    assert.equal(event?.patient_id, 'pt:MERCY:X-1');
    assert.equal(event?.event_type, 'discharge');
    assert.equal((event?.payload.source as { messageType: string }).messageType, 'ADT^A03');
  });

  it('maps sex codes and reads the message with its own delimiters', () => {
    const sexes: Record<string, string> = { M: 'male', F: 'female', O: 'other', A: 'other', U: 'unknown', Z: 'unknown' };
    for (const [code, sex] of Object.entries(sexes)) {
      const text = setField(fixture('cerner-adt-a03-v23.hl7'), 'PID', 8, code);
      assert.equal((mapHl7Message(text, options).events[0]?.payload.patient as { sex: string }).sex, sex);
    }
    const custom = fixture('cerner-adt-a03-v23.hl7')
      .replace('MSH|^~\\&|', 'MSH#@!$%#')
      .split('\r')
      .map((line) => (line.startsWith('MSH') ? line.replaceAll('|', '#').replaceAll('^', '@') : line.replaceAll('|', '#').replaceAll('^', '@').replaceAll('\\T\\', '$T$')))
      .join('\r');
    const [event] = mapHl7Message(custom, options).events;
    assert.equal(event?.event_type, 'discharge');
    assert.equal(event?.encounter_id, 'enc:MERCY:8812345');
    // $T$ is this message's subcomponent separator, %.
    assert.deepEqual((event?.payload.diagnoses as { code: { display: string } }[]).map((d) => d.code.display), ['Heart failure, unspecified', 'CHF % edema']);
  });
});
