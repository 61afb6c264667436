import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Observation } from '@medplum/fhirtypes';
import { mapFhirBundle, mapFhirResource } from '../../../src/gateway/fhir/mapper.ts';
import { bmpReport, ctOrder, finishedEncounter, inpatientEncounter, omit, options, patient, potassium, transaction, warfarinOrder } from './fixtures.ts';

function idOf(resource: unknown): string {
  const [event] = mapFhirResource(resource, options);
  assert.ok(event);
  return event.event_id;
}

/** The same JSON with every object's keys in reverse order. */
function reorder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorder);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reorder(v)]));
  return value;
}

describe('FHIR event ids', () => {
  it('are the same for the same resource version, whatever its key order', () => {
    for (const make of [patient, inpatientEncounter, finishedEncounter, potassium, bmpReport, ctOrder, warfarinOrder]) {
      const id = idOf(make());
      assert.match(id, /^fhir-[0-9a-f]{32}$/);
      assert.equal(idOf(make()), id);
      assert.equal(idOf(reorder(make())), id);
    }
  });

  it('differ between resources and between versions of one resource', () => {
    const ids = [patient, inpatientEncounter, finishedEncounter, potassium, bmpReport, ctOrder, warfarinOrder].map((make) => idOf(make()));
    assert.equal(new Set(ids).size, ids.length);
    const v1 = potassium();
    const v2: Observation = { ...potassium(), meta: { versionId: '2' }, status: 'corrected', valueQuantity: { value: 5.9, unit: 'mmol/L' } };
    assert.notEqual(idOf(v2), idOf(v1));
    // lastUpdated versions a resource when versionId is absent.
    const a = { ...potassium(), meta: { lastUpdated: '2024-03-15T09:45:13-05:00' } };
    const b = { ...potassium(), meta: { lastUpdated: '2024-03-15T10:02:00-05:00' } };
    assert.notEqual(idOf(a), idOf(b));
  });

  it('hash the content of a resource sent without meta, so a change is a new event', () => {
    const bare = omit(potassium(), 'meta');
    assert.equal(idOf(bare), idOf(reorder(bare)));
    assert.notEqual(idOf({ ...bare, status: 'corrected' }), idOf(bare));
  });

  it('are the same for a resource posted alone and inside a Bundle', () => {
    // The Bundle's order names its patient and encounter by urn:uuid, the one posted alone by
    // identifier: the event id depends on the order's own identity and version only.
    const inBundle = mapFhirBundle(transaction(), options).entries[5]?.events[0]?.event_id;
    assert.equal(inBundle, idOf(ctOrder()));
  });
});
