// What the FHIR intake answers with: OperationOutcomes (errors, and the events a resource was
// accepted as) and batch/transaction response Bundles. Every text here is fixed wording, event ids
// and FHIRPaths: nothing from the request is echoed.
import type { Bundle, BundleEntry, OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { ClinicalEvent } from '../../event/envelope.ts';
import type { FhirIssue } from './errors.ts';

export function errorOutcome(issues: readonly FhirIssue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => ({ severity: i.severity, code: i.code, diagnostics: i.diagnostics, expression: [i.expression] })),
  };
}

export function simpleOutcome(severity: OperationOutcomeIssue['severity'], code: OperationOutcomeIssue['code'], diagnostics: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
}

/** One information issue per event the resource became. */
export function acceptedOutcome(events: readonly ClinicalEvent[], expression?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: events.map((e) => ({
      severity: 'information',
      code: 'informational',
      diagnostics: `accepted as ${e.event_type} event ${e.event_id}`,
      ...(expression === undefined ? {} : { expression: [expression] }),
    })),
  };
}

export type EntryResponse = { status: '202 Accepted' | '400 Bad Request'; outcome: OperationOutcome };

export function responseBundle(type: 'transaction-response' | 'batch-response', responses: readonly EntryResponse[]): Bundle {
  return {
    resourceType: 'Bundle',
    type,
    entry: responses.map((r): BundleEntry => ({ response: { status: r.status, outcome: r.outcome } })),
  };
}
