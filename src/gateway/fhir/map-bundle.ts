// A transaction or batch Bundle to events, entry by entry. References between entries resolve
// (fullUrl, Type/id), so a Bundle can carry a Patient, its Encounter and their orders and results
// together. Observations that a DiagnosticReport of the Bundle lists as results travel inside that
// report's event and get none of their own: one report is one lab_result, as with HL7 ORU.
// Whether one bad entry refuses the whole Bundle (transaction) or only itself (batch) is the
// caller's decision: every entry's events and issues come back.
import type { ClinicalEvent } from '../../event/envelope.ts';
import { addIssue, FhirMappingError, type FhirIssue } from './errors.ts';
import { mapResource } from './map-resource.ts';
import { FhirNode, isObject } from './node.ts';
import type { FhirMapOptions } from './options.ts';
import { type IndexedEntry, ReferenceIndex } from './references.ts';

export const MAX_BUNDLE_ENTRIES = 1_000;

export type BundleKind = 'transaction' | 'batch';

export interface BundleEntryResult {
  /** Position in Bundle.entry. */
  index: number;
  /** The entry's events; empty when it has issues or is carried by a report. */
  events: ClinicalEvent[];
  /** Its problems; those of a resource it references are listed too, at that resource's path. */
  issues: FhirIssue[];
  /** For an Observation listed as a result: the DiagnosticReport entries whose events carry it. */
  carriedBy: number[];
}

export interface MappedBundle {
  type: BundleKind;
  entries: BundleEntryResult[];
}

// Intake creates or updates; reads, deletes and patches have no event to become.
const METHODS = new Set(['POST', 'PUT']);
const URL_TYPE = /^([A-Za-z]+)(?:[/?]|$)/;

/**
 * Maps every entry of a transaction or batch Bundle. Throws FhirMappingError when the Bundle itself
 * is unusable (not a Bundle, another type, no entries, too many, malformed entries).
 */
export function mapFhirBundle(bundle: unknown, options: FhirMapOptions): MappedBundle {
  const issues: FhirIssue[] = [];
  if (!isObject(bundle)) throw new FhirMappingError([{ severity: 'error', code: 'structure', expression: 'Bundle', diagnostics: 'must be a Bundle (a JSON object)' }]);
  const root = new FhirNode(bundle, 'Bundle', issues);
  if (root.resourceType !== 'Bundle') root.issue('invalid', 'must be Bundle: single resources are posted to [base]/{resourceType}', 'resourceType');
  const type = root.str('type');
  if (type === undefined) root.issue('required', 'type is required', 'type');
  else if (type !== 'transaction' && type !== 'batch') root.issue('not-supported', 'type must be transaction or batch', 'type');
  const entries = root.arr('entry');
  if (entries.length === 0 && issues.length === 0) root.issue('required', 'at least one entry is required', 'entry');
  if (entries.length > MAX_BUNDLE_ENTRIES) root.issue('invalid', `at most ${MAX_BUNDLE_ENTRIES} entries are accepted`, 'entry');
  if (issues.length > 0) throw new FhirMappingError(issues);

  // Raw reads: a malformed fullUrl or request is reported with its entry, below.
  const indexed: IndexedEntry[] = [];
  entries.forEach((entry, i) => {
    const { resource, fullUrl, request } = entry.value;
    if (!isObject(resource)) return;
    const item: IndexedEntry = { resource, path: entry.at('resource'), entry: i };
    if (typeof fullUrl === 'string') item.fullUrl = fullUrl.trim();
    if (isObject(request) && request.method === 'PUT' && typeof request.url === 'string') item.requestUrl = request.url.trim();
    indexed.push(item);
  });
  const index = new ReferenceIndex(indexed);
  const carriedBy = carriers(entries, index);

  const results = entries.map((entry, i): BundleEntryResult => {
    const entryIssues: FhirIssue[] = [];
    const node = new FhirNode(entry.value, entry.path, entryIssues);
    checkRequest(node);
    const fullUrl = node.str('fullUrl');
    const resource = node.value.resource;
    const result: BundleEntryResult = { index: i, events: [], issues: entryIssues, carriedBy: carriedBy.get(i) ?? [] };
    if (resource === undefined || resource === null) {
      addIssue(entryIssues, 'required', node.at('resource'), 'resource is required');
    } else if (result.carriedBy.length === 0) {
      const events = mapResource({ options, index, issues: entryIssues }, resource, node.at('resource'), fullUrl);
      if (entryIssues.length === 0) result.events = events;
    }
    return result;
  });
  return { type: type as BundleKind, entries: results };
}

/** Which Observation entries each DiagnosticReport entry lists as results. */
function carriers(entries: readonly FhirNode[], index: ReferenceIndex): Map<number, number[]> {
  const out = new Map<number, number[]>();
  entries.forEach((entry, i) => {
    const resource = entry.value.resource;
    if (!isObject(resource) || resource.resourceType !== 'DiagnosticReport' || !Array.isArray(resource.result)) return;
    for (const ref of resource.result as unknown[]) {
      const reference = isObject(ref) && typeof ref.reference === 'string' ? ref.reference : undefined;
      const target = reference === undefined || reference.startsWith('#') ? undefined : index.lookup(reference);
      if (target?.value.resourceType !== 'Observation') continue;
      const list = out.get(target.entry) ?? [];
      if (!list.includes(i)) list.push(i);
      out.set(target.entry, list);
    }
  });
  return out;
}

function checkRequest(entry: FhirNode): void {
  const request = entry.obj('request');
  if (!request) return;
  const method = request.str('method');
  if (method !== undefined && !METHODS.has(method)) entry.issue('not-supported', 'request.method must be POST or PUT: the intake only takes resources in', 'request.method');
  const url = request.str('url');
  const resource = entry.value.resource;
  const type = isObject(resource) ? resource.resourceType : undefined;
  if (url !== undefined && typeof type === 'string' && URL_TYPE.exec(url)?.[1] !== type) {
    entry.issue('invalid', "request.url must name the entry's resource type", 'request.url');
  }
}
