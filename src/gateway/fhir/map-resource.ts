// One resource of any supported type to its events, within a scope (the caller's options, the
// Bundle it came in, where its problems go). Shared by single-resource and Bundle mapping.
import type { ClinicalEvent } from '../../event/envelope.ts';
import { addIssue } from './errors.ts';
import { mapCoverage } from './map-coverage.ts';
import { mapDiagnosticReport } from './map-diagnostic-report.ts';
import { mapEncounter } from './map-encounter.ts';
import { mapMedicationRequest } from './map-medication-request.ts';
import { mapObservation } from './map-observation.ts';
import { mapPatient } from './map-patient.ts';
import { mapServiceRequest } from './map-service-request.ts';
import { FhirNode, isObject } from './node.ts';
import { checkIdentity, type MapScope, type ResourceContext } from './scope.ts';

export const SUPPORTED_RESOURCE_TYPES = ['Patient', 'Encounter', 'Observation', 'DiagnosticReport', 'ServiceRequest', 'MedicationRequest', 'Coverage'] as const;

export type SupportedResourceType = (typeof SUPPORTED_RESOURCE_TYPES)[number];

const MAPPERS: Record<SupportedResourceType, (ctx: ResourceContext) => void> = {
  Patient: mapPatient,
  Encounter: mapEncounter,
  Observation: mapObservation,
  DiagnosticReport: mapDiagnosticReport,
  ServiceRequest: mapServiceRequest,
  MedicationRequest: mapMedicationRequest,
  Coverage: mapCoverage,
};

export function isSupportedResourceType(type: unknown): type is SupportedResourceType {
  return typeof type === 'string' && (SUPPORTED_RESOURCE_TYPES as readonly string[]).includes(type);
}

/**
 * Maps the resource found at `path` (its FHIRPath: the resource type for a resource posted on its
 * own, `Bundle.entry[i].resource` in a Bundle). Problems go to scope.issues; no event comes back
 * once there is one.
 */
export function mapResource(scope: MapScope, resource: unknown, path: string | undefined, fullUrl?: string): ClinicalEvent[] {
  const where = path ?? 'Resource';
  if (!isObject(resource)) {
    addIssue(scope.issues, 'structure', where, 'must be a FHIR resource (a JSON object)');
    return [];
  }
  const type = resource.resourceType;
  if (type === undefined) {
    addIssue(scope.issues, 'required', `${where}.resourceType`, 'resourceType is required');
    return [];
  }
  if (!isSupportedResourceType(type)) {
    addIssue(scope.issues, 'not-supported', `${where}.resourceType`, `resource type is not supported (supported: ${SUPPORTED_RESOURCE_TYPES.join(', ')})`);
    return [];
  }
  const ctx: ResourceContext = { scope, root: new FhirNode(resource, path ?? type, scope.issues), resourceType: type, related: [], events: [] };
  if (fullUrl !== undefined) ctx.fullUrl = fullUrl;
  checkIdentity(ctx);
  MAPPERS[type](ctx);
  return scope.issues.length > 0 ? [] : ctx.events;
}
