// Event ids derived from the resource alone: its type, its identity (first business identifier,
// else its id, else its Bundle fullUrl) and its version (meta.versionId, else meta.lastUpdated, else
// a hash of its content). Re-posting the same resource version yields the same id, so downstream
// idempotency drops it; a new version (or, without meta, any change) is a new event.
import { createHash } from 'node:crypto';
import type { FhirNode } from './node.ts';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted, so that the same content hashes the same whatever its key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Who the resource is, or undefined when it has no identifier, id or fullUrl. */
export function resourceIdentity(root: FhirNode, fullUrl: string | undefined): string | undefined {
  for (const id of root.arr('identifier')) {
    const value = id.str('value');
    if (value !== undefined) return `identifier:${id.str('system') ?? ''}|${value}`;
  }
  const id = root.str('id');
  if (id !== undefined) return `id:${id}`;
  return fullUrl === undefined ? undefined : `fullUrl:${fullUrl}`;
}

/** Which version of it this is. */
export function resourceVersion(node: FhirNode): string {
  const meta = node.obj('meta');
  const versionId = meta?.str('versionId');
  if (versionId !== undefined) return `versionId:${versionId}`;
  const lastUpdated = meta?.str('lastUpdated');
  if (lastUpdated !== undefined) return `lastUpdated:${lastUpdated}`;
  return `content:${sha256(canonical(node.value))}`;
}

/** `fhir-` and 32 hex digits of the hash of everything that makes the event what it is. */
export function fhirEventId(resourceType: string, identity: string, versions: readonly string[], eventType: string): string {
  // JSON keeps the parts apart: ("AB","C") and ("A","BC") hash differently.
  return `fhir-${sha256(JSON.stringify([resourceType, identity, versions, eventType])).slice(0, 32)}`;
}
