import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bundle, BundleEntry, Observation, Resource } from '@medplum/fhirtypes';
import { mapFhirBundle } from '../../../src/gateway/fhir/mapper.ts';
import type { EncounterInfo, LabResultPayload } from '../../../src/event/payloads.ts';
import { ENCOUNTER_ID, omit, options, PATIENT_ID, transaction } from './fixtures.ts';

function entries(bundle: Bundle): BundleEntry[] {
  return bundle.entry ?? [];
}

describe('FHIR Bundle mapping', () => {
  it('maps a transaction whose entries reference each other by urn:uuid fullUrls', () => {
    const mapped = mapFhirBundle(transaction(), options);
    assert.equal(mapped.type, 'transaction');
    assert.deepEqual(
      mapped.entries.map((e) => [e.index, e.events.map((ev) => ev.event_type), e.issues, e.carriedBy]),
      [
        [0, ['registration_update'], [], []],
        [1, ['admission'], [], []],
        [2, ['lab_result'], [], []],
        [3, ['lab_result'], [], []],
        // The glucose Observation is a result of the report in entry 3: it travels in that event.
        [4, [], [], [3]],
        [5, ['order'], [], []],
        [6, ['medication_order'], [], []],
      ],
    );
    const events = mapped.entries.flatMap((e) => e.events);
    // Every patient reference resolved to the Patient entry, and its MRN keys them all.
    assert.deepEqual(new Set(events.map((e) => e.patient_id)), new Set([PATIENT_ID]));
    assert.deepEqual(
      events.map((e) => e.encounter_id),
      [null, ENCOUNTER_ID, ENCOUNTER_ID, ENCOUNTER_ID, ENCOUNTER_ID, ENCOUNTER_ID],
    );
    // Resolved Encounters give the whole visit, not only its number.
    assert.equal((events[2]?.payload.encounter as EncounterInfo).class, 'inpatient');
    const report = events[3]?.payload as unknown as LabResultPayload;
    assert.deepEqual(
      report.observations.map((o) => o.code.code),
      ['2951-2', '2823-3', '2345-7'],
    );
  });

  it('resolves references by Type/id against absolute fullUrls and PUT request URLs', () => {
    const bundle = transaction('batch');
    const [pat, enc] = entries(bundle);
    assert.ok(pat && enc);
    pat.fullUrl = 'https://ehr.example.org/fhir/Patient/pat-9';
    (pat.resource as Resource).id = 'pat-9';
    enc.fullUrl = 'urn:uuid:0d9f7a0e-1111-4111-8111-000000000002';
    enc.request = { method: 'PUT', url: 'Encounter/enc-9' };
    for (const entry of entries(bundle).slice(1)) {
      const r = entry.resource as { subject?: unknown; encounter?: unknown };
      r.subject = { reference: 'Patient/pat-9' };
      if (r.encounter) r.encounter = { reference: 'Encounter/enc-9/_history/1' };
    }
    const mapped = mapFhirBundle(bundle, options);
    assert.deepEqual(mapped.entries.flatMap((e) => e.issues), []);
    const events = mapped.entries.flatMap((e) => e.events);
    assert.deepEqual(new Set(events.map((e) => e.patient_id)), new Set([PATIENT_ID]));
    assert.equal(events.find((e) => e.event_type === 'order')?.encounter_id, ENCOUNTER_ID);
  });

  it('maps a batch entry by entry: one bad entry has issues at its own path, the others events', () => {
    const bundle = transaction('batch');
    delete (entries(bundle)[2]?.resource as Observation).subject;
    const mapped = mapFhirBundle(bundle, options);
    assert.equal(mapped.type, 'batch');
    const bad = mapped.entries[2];
    assert.deepEqual(bad?.events, []);
    assert.deepEqual(
      bad?.issues.map((i) => [i.code, i.expression]),
      [['required', 'Bundle.entry[2].resource.subject']],
    );
    assert.deepEqual(
      mapped.entries.map((e) => e.events.length),
      [1, 1, 0, 1, 0, 1, 1],
    );
  });

  it('names an unresolved report result by its path in the Bundle', () => {
    const bundle = transaction();
    const report = entries(bundle)[3]?.resource as { result: { reference: string }[] };
    report.result.push({ reference: 'urn:uuid:6f1c2a4e-0000-4000-8000-999999999999' });
    const mapped = mapFhirBundle(bundle, options);
    assert.deepEqual(
      mapped.entries[3]?.issues.map((i) => [i.code, i.expression]),
      [['not-found', 'Bundle.entry[3].resource.result[3]']],
    );
    assert.ok(!JSON.stringify(mapped.entries[3]?.issues).includes('999999999999'));
  });

  it('gives an entry without identifier or id an event id from its fullUrl, stable across sends', () => {
    const strip = (b: Bundle): Bundle => {
      (entries(b)[2] as BundleEntry).resource = omit(entries(b)[2]?.resource as Observation, 'identifier');
      return b;
    };
    const first = mapFhirBundle(strip(transaction()), options).entries[2]?.events[0]?.event_id;
    const again = mapFhirBundle(strip(transaction()), options).entries[2]?.events[0]?.event_id;
    assert.match(first ?? '', /^fhir-[0-9a-f]{32}$/);
    assert.equal(again, first);
    // Another fullUrl is another resource.
    const moved = strip(transaction());
    (entries(moved)[2] as BundleEntry).fullUrl = 'urn:uuid:6f1c2a4e-0000-4000-8000-000000000099';
    assert.notEqual(mapFhirBundle(moved, options).entries[2]?.events[0]?.event_id, first);
  });
});
