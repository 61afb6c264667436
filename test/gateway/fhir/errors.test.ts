import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bundle, DiagnosticReport, MedicationRequest, Observation, Patient, ServiceRequest } from '@medplum/fhirtypes';
import { FhirMappingError, mapFhirBundle, mapFhirResource, type FhirIssue } from '../../../src/gateway/fhir/mapper.ts';
import { CANARY, containsCanary } from '../../support/canary.ts';
import { bmpReport, ctOrder, finishedEncounter, omit, options, patient, potassium, transaction, warfarinOrder } from './fixtures.ts';

function mappingError(map: () => unknown): FhirMappingError {
  try {
    map();
  } catch (err) {
    assert.ok(err instanceof FhirMappingError, `expected FhirMappingError, got ${String(err)}`);
    // No value from the resource, in any text the error carries.
    const all = `${err.message}\n${err.stack ?? ''}\n${JSON.stringify(err.issues)}`;
    assert.equal(containsCanary(all), undefined, `error text leaks ${containsCanary(all)}: ${all}`);
    for (const i of err.issues) {
      assert.equal(i.severity, 'error');
      assert.ok(i.diagnostics.length > 0);
    }
    return err;
  }
  assert.fail('expected a FhirMappingError');
}

function expectIssue(resource: unknown, code: FhirIssue['code'], expression: string): FhirMappingError {
  const err = mappingError(() => mapFhirResource(resource, options));
  const found = err.issues.find((i) => i.code === code && i.expression === expression);
  assert.ok(found, `expected ${code} at ${expression} among ${JSON.stringify(err.issues)}`);
  return err;
}

describe('FHIR mapping errors', () => {
  it('names a missing or unusable subject by its FHIRPath', () => {
    const noSubject = omit(potassium(), 'subject');
    expectIssue(noSubject, 'required', 'Observation.subject');
    // A reference that resolves nowhere and carries no identifier.
    expectIssue({ ...potassium(), subject: { reference: 'Patient/pat-canary', display: CANARY.name } }, 'not-found', 'Observation.subject');
    expectIssue({ ...ctOrder(), subject: { reference: 'Group/ward-4' } }, 'not-supported', 'ServiceRequest.subject');
    expectIssue({ ...potassium(), subject: CANARY.mrn }, 'structure', 'Observation.subject');
  });

  it('refuses a report whose result does not resolve, naming the result by its index', () => {
    const report: DiagnosticReport = { ...bmpReport(), result: [{ reference: '#na' }, { reference: '#k' }, { reference: `#${CANARY.mrn}` }] };
    const err = expectIssue(report, 'not-found', 'DiagnosticReport.result[2]');
    assert.equal(err.issues.length, 1);
    expectIssue({ ...bmpReport(), result: [{ reference: '#na' }, { display: CANARY.note }] }, 'required', 'DiagnosticReport.result[1]');
  });

  it('refuses unsupported resource types without echoing the type sent', () => {
    expectIssue({ resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/1' } }, 'not-supported', 'Resource.resourceType');
    expectIssue({ resourceType: CANARY.name, id: CANARY.mrn }, 'not-supported', 'Resource.resourceType');
    expectIssue({ id: CANARY.mrn }, 'required', 'Resource.resourceType');
    expectIssue(CANARY.note, 'structure', 'Resource');
    expectIssue([patient()], 'structure', 'Resource');
  });

  it('names bad Patient values by element, never by value', () => {
    expectIssue({ ...patient(), birthDate: CANARY.dob } as unknown as Patient, 'value', 'Patient.birthDate');
    expectIssue({ ...patient(), gender: CANARY.note } as unknown as Patient, 'value', 'Patient.gender');
    expectIssue({ ...patient(), identifier: [{ system: 'http://hospital.example.org/mrn' }] }, 'required', 'Patient.identifier');
    const noMeta = omit(patient(), 'meta');
    expectIssue(noMeta, 'required', 'Patient.meta.lastUpdated');
  });

  it('requires an event time, and a time with an offset', () => {
    const undated = omit(potassium(), 'effectiveDateTime', 'issued', 'meta');
    expectIssue(undated, 'required', 'Observation.effective');
    expectIssue({ ...potassium(), effectiveDateTime: '2024-03-15T09:10:00' }, 'value', 'Observation.effectiveDateTime');
    expectIssue({ ...potassium(), effectiveDateTime: CANARY.dob }, 'value', 'Observation.effectiveDateTime');
    expectIssue({ ...finishedEncounter(), period: { start: '2024-03-15T08:25:00-05:00' } }, 'required', 'Encounter.period.end');
    expectIssue({ ...finishedEncounter(), status: 'cancelled' }, 'not-supported', 'Encounter.status');
  });

  it('requires an encounter for orders, which are keyed by it', () => {
    const noEncounter = omit(ctOrder(), 'encounter');
    expectIssue(noEncounter, 'required', 'ServiceRequest.encounter');
    expectIssue({ ...warfarinOrder(), encounter: { reference: 'Encounter/enc-1' } }, 'not-found', 'MedicationRequest.encounter');
    const anonymous = omit(finishedEncounter(), 'identifier');
    expectIssue(anonymous, 'required', 'Encounter.identifier');
  });

  it('refuses requests that are not orders, and orders without a code or medication', () => {
    expectIssue({ ...warfarinOrder(), intent: 'proposal' } as MedicationRequest, 'not-supported', 'MedicationRequest.intent');
    expectIssue({ ...ctOrder(), status: 'draft' } as ServiceRequest, 'not-supported', 'ServiceRequest.status');
    expectIssue({ ...ctOrder(), code: { text: CANARY.note } }, 'required', 'ServiceRequest.code');
    const noMedication = omit(warfarinOrder(), 'medicationCodeableConcept');
    expectIssue(noMedication, 'required', 'MedicationRequest.medication');
    expectIssue({ ...noMedication, medicationReference: { reference: '#nowhere' } }, 'not-found', 'MedicationRequest.medicationReference');
  });

  it('reports wrongly typed values where they are, and every issue at once', () => {
    const obs = { ...potassium(), valueQuantity: { value: CANARY.mrn, unit: 'mmol/L' } } as unknown as Observation;
    expectIssue(obs, 'structure', 'Observation.valueQuantity.value');
    const nothing = omit(potassium(), 'identifier', 'id', 'subject');
    const err = mappingError(() => mapFhirResource({ ...nothing, status: CANARY.name }, options));
    assert.deepEqual(
      err.issues.map((i) => [i.code, i.expression]).sort(),
      [
        // Without any identity the event id cannot be stable: that is refused too.
        ['required', 'Observation.identifier'],
        ['required', 'Observation.subject'],
        ['value', 'Observation.status'],
      ],
    );
  });

  it('refuses Bundles that are not transactions or batches, and entries that are not creates', () => {
    const err = mappingError(() => mapFhirBundle({ ...transaction(), type: 'collection' }, options));
    assert.deepEqual(err.issues.map((i) => [i.code, i.expression]), [['not-supported', 'Bundle.type']]);
    mappingError(() => mapFhirBundle(patient(), options));
    mappingError(() => mapFhirBundle({ resourceType: 'Bundle', type: 'batch', entry: [] }, options));
    mappingError(() => mapFhirBundle({ resourceType: 'Bundle', type: 'batch', entry: [CANARY.note] }, options));

    const bundle: Bundle = transaction();
    const entry = bundle.entry?.[0];
    assert.ok(entry);
    entry.request = { method: 'DELETE', url: `Patient?identifier=${CANARY.mrn}` };
    const mapped = mapFhirBundle(bundle, options);
    const issues = mapped.entries[0]?.issues ?? [];
    assert.deepEqual(
      issues.map((i) => [i.code, i.expression]),
      [
        ['not-supported', 'Bundle.entry[0].request.method'],
      ],
    );
    assert.equal(containsCanary(JSON.stringify(issues)), undefined);
    entry.request = { method: 'POST', url: 'Observation' };
    assert.deepEqual(
      mapFhirBundle(bundle, options).entries[0]?.issues.map((i) => [i.code, i.expression]),
      [['invalid', 'Bundle.entry[0].request.url']],
    );
  });
});
