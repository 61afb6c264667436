// Why a FHIR resource could not be mapped: each issue names the element by its FHIRPath and the
// rule it broke, never a value from the input. Issues become OperationOutcome issues for the sender
// and error text ends up in logs, where PHI must never go.

/** The OperationOutcome issue-type codes the mapper reports. */
export type FhirIssueCode = 'required' | 'invalid' | 'value' | 'not-supported' | 'not-found' | 'structure';

export interface FhirIssue {
  severity: 'error';
  code: FhirIssueCode;
  /** FHIRPath of the element, e.g. `Observation.subject` or `Bundle.entry[2].resource.code`. */
  expression: string;
  /** The rule, in fixed words: it never quotes the input. */
  diagnostics: string;
}

export class FhirMappingError extends Error {
  readonly issues: FhirIssue[];

  constructor(issues: FhirIssue[]) {
    super(`FHIR resource not mapped: ${issues.map((i) => `${i.expression}: ${i.diagnostics} [${i.code}]`).join('; ')}`);
    this.name = 'FhirMappingError';
    this.issues = issues;
  }
}

/** Adds an issue unless the same one is there already (a resource read twice reports once). */
export function addIssue(issues: FhirIssue[], code: FhirIssueCode, expression: string, diagnostics: string): void {
  if (issues.some((i) => i.code === code && i.expression === expression && i.diagnostics === diagnostics)) return;
  issues.push({ severity: 'error', code, expression, diagnostics });
}
