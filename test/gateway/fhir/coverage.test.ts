// FHIR Coverage: the patient's insurance as a registration_update carrying it (for the timeline and
// prior authorization), refused with the field and rule when it cannot be recorded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Coverage } from '@medplum/fhirtypes';
import { FhirMappingError, mapFhirResource } from '../../../src/gateway/fhir/mapper.ts';
import { projectEvent } from '../../../src/processors/patient-timeline.ts';
import { CANARY, containsCanary } from '../../support/canary.ts';
import { MRN_SYSTEM, options, PATIENT_ID, subjectByIdentifier } from './fixtures.ts';

const COVERAGE_CLASS = 'http://terminology.hl7.org/CodeSystem/coverage-class';

function coverage(): Coverage {
  return {
    resourceType: 'Coverage',
    id: 'cov-1',
    meta: { lastUpdated: '2024-03-15T08:20:00-05:00' },
    status: 'active',
    subscriberId: 'MEMBER-CANARY-77',
    beneficiary: subjectByIdentifier(),
    payor: [{ identifier: { value: 'BCBS01' }, display: 'Blue Cross' }],
    class: [
      { type: { coding: [{ system: COVERAGE_CLASS, code: 'group' }] }, value: 'GRP-100' },
      { type: { coding: [{ system: COVERAGE_CLASS, code: 'plan' }] }, value: 'PPO-GOLD' },
    ],
  };
}

describe('FHIR Coverage mapping', () => {
  it('maps active coverage to a registration_update the timeline records as coverage', () => {
    const [event, ...rest] = mapFhirResource(coverage(), options);
    assert.equal(rest.length, 0);
    assert.equal(event?.event_type, 'registration_update');
    assert.equal(event?.patient_id, PATIENT_ID);
    assert.equal(event?.event_timestamp, '2024-03-15T13:20:00.000Z');
    assert.deepEqual(event?.payload.coverage, [{ payerId: 'BCBS01', payerName: 'Blue Cross', memberId: 'MEMBER-CANARY-77', planId: 'PPO-GOLD', groupNumber: 'GRP-100' }]);
    assert.deepEqual(event?.payload.patient, { identifiers: [{ value: CANARY.mrn, authority: MRN_SYSTEM }] });
    const writes = projectEvent(event as NonNullable<typeof event>).writes ?? [];
    assert.deepEqual(writes.filter((w) => w.op === 'coverage').map((w) => w.coverage), [event?.payload.coverage?.[0]]);
  });

  it('refuses what it cannot record, naming the field and the rule but no value', () => {
    const cases: [Coverage, string, RegExp][] = [
      [{ ...coverage(), status: 'cancelled' }, 'Coverage.status', /must be active/],
      [{ ...coverage(), beneficiary: undefined as unknown as Coverage['beneficiary'] }, 'Coverage.beneficiary', /is required/],
      [{ ...coverage(), payor: [] as unknown as Coverage['payor'] }, 'Coverage.payor', /is required/],
      [{ ...coverage(), payor: [{ reference: 'Organization/1' }] }, 'Coverage.payor', /identifier value or a display/],
      [{ ...coverage(), meta: {} }, 'Coverage.meta.lastUpdated', /is required/],
    ];
    for (const [resource, where, rule] of cases) {
      const err = (() => {
        try {
          mapFhirResource(resource, options);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(err instanceof FhirMappingError, where);
      const issue = err.issues.find((i) => i.expression.includes(where));
      assert.ok(issue, `${where}: ${JSON.stringify(err.issues)}`);
      assert.match(issue.diagnostics, rule);
      assert.equal(containsCanary(JSON.stringify(err.issues)), undefined);
    }
  });
});
