// The entry points of FHIR R4 mapping: a resource or a transaction/batch Bundle in, validated
// ClinicalEvents out, or a FhirMappingError whose issues say where (FHIRPath) and why, never what.
import type { ClinicalEvent } from '../../event/envelope.ts';
import { FhirMappingError, type FhirIssue } from './errors.ts';
import { mapResource } from './map-resource.ts';
import type { FhirMapOptions } from './options.ts';
import { ReferenceIndex } from './references.ts';

export { FhirMappingError, type FhirIssue, type FhirIssueCode } from './errors.ts';
export { mapFhirBundle, MAX_BUNDLE_ENTRIES, type BundleEntryResult, type BundleKind, type MappedBundle } from './map-bundle.ts';
export { isSupportedResourceType, SUPPORTED_RESOURCE_TYPES, type SupportedResourceType } from './map-resource.ts';
export type { FhirMapOptions } from './options.ts';

/**
 * Maps one resource (Patient, Encounter, Observation, DiagnosticReport, ServiceRequest,
 * MedicationRequest) to its events. References resolve only to its `contained` resources; anything
 * else is identified by the reference's identifier. Throws FhirMappingError with every issue found;
 * errors thrown by the key callbacks pass through unchanged.
 */
export function mapFhirResource(resource: unknown, options: FhirMapOptions): ClinicalEvent[] {
  const issues: FhirIssue[] = [];
  const events = mapResource({ options, index: new ReferenceIndex(), issues }, resource, undefined);
  if (issues.length > 0) throw new FhirMappingError(issues);
  return events;
}
