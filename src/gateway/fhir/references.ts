// Resolving references inside what was posted: `#id` to the referring resource's `contained`, and
// anything else to an entry of the same Bundle, by its fullUrl (urn:uuid:... or an absolute URL),
// by `Type/id` of the entry's resource, or by the `Type/id` of a PUT entry's request URL. Nothing is
// fetched from elsewhere: a reference that is not resolved here is reported, or its identifier used.
import { FhirNode, type Json } from './node.ts';

/** `Type/id` at the end of a reference or URL, with any `/_history/version` dropped. */
const TYPE_ID = /(?:^|\/)([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

interface Stored {
  value: Json;
  /** FHIRPath of the resource, e.g. `Bundle.entry[3].resource`. */
  path: string;
  /** Position in Bundle.entry. */
  entry: number;
}

export interface Resolved {
  node: FhirNode;
  /** Position in Bundle.entry when it came from the Bundle (not from `contained`). */
  entry?: number;
}

export interface IndexedEntry {
  resource: Json;
  path: string;
  entry: number;
  fullUrl?: string;
  requestUrl?: string;
}

export class ReferenceIndex {
  readonly #byKey = new Map<string, Stored>();

  constructor(entries: readonly IndexedEntry[] = []) {
    for (const e of entries) {
      const stored: Stored = { value: e.resource, path: e.path, entry: e.entry };
      const type = typeof e.resource.resourceType === 'string' ? e.resource.resourceType : undefined;
      const id = typeof e.resource.id === 'string' ? e.resource.id : undefined;
      const keys = [e.fullUrl, e.fullUrl && typeId(e.fullUrl), type && id && `${type}/${id}`, e.requestUrl && typeId(e.requestUrl)];
      // The first entry to claim a key keeps it: a Bundle naming one resource twice is ambiguous.
      for (const key of keys) if (key && !this.#byKey.has(key)) this.#byKey.set(key, stored);
    }
  }

  /** The Bundle entry a reference points at, by its exact text first, then by its `Type/id`. */
  lookup(reference: string): Stored | undefined {
    const exact = this.#byKey.get(reference);
    if (exact) return exact;
    const tail = typeId(reference);
    return tail === undefined ? undefined : this.#byKey.get(tail);
  }

  /** Resolves a reference made by `container` (whose `contained` holds its `#id` targets). */
  resolve(reference: string, container: FhirNode): Resolved | undefined {
    if (reference.startsWith('#')) {
      const id = reference.slice(1);
      const node = container.arr('contained').find((c) => c.str('id') === id);
      return node ? { node } : undefined;
    }
    const stored = this.lookup(reference);
    return stored ? { node: new FhirNode(stored.value, stored.path, container.issues), entry: stored.entry } : undefined;
  }
}

/** The resource type a literal reference names (`Patient/1`, `http://x/fhir/Group/2`), if it names one. */
export function referencedType(reference: string): string | undefined {
  return typeId(reference)?.split('/')[0];
}

function typeId(reference: string): string | undefined {
  return TYPE_ID.exec(reference)?.[1];
}
