// Reading clinical data files field by field. A mistake in a data file must stop the load with a
// message that names the file, the entry index and the field, so the person editing it can fix it
// without reading code; the whole file is rejected rather than loaded in part.
import { readJsonData } from '../data-file.ts';
import { basename } from 'node:path';
import type { SourceRef } from './types.ts';

export class ClinicalDataError extends Error {
  /** The data file (base name) the error is in. */
  readonly file: string;
  /** Where in it, e.g. `interactions[3].severity`. */
  readonly path: string;
  constructor(file: string, path: string, rule: string) {
    super(`${file}: ${path === '' ? '' : `${path} `}${rule}`);
    this.name = 'ClinicalDataError';
    this.file = file;
    this.path = path;
  }
}

export type JsonRecord = Record<string, unknown>;

/** Reads and parses a JSON data file; parse errors become ClinicalDataErrors. */
export function readJsonFile(path: string): unknown {
  return readJsonData(path, (problem) => new ClinicalDataError(basename(path), '', problem));
}

// Codes are RxNorm concept ids: digits only. Anything else is a typo or a code from another system.
const RXCUI = /^[0-9]{1,10}$/;
const ID = /^[a-z0-9][a-z0-9-]{0,79}$/;

/** Field readers bound to one file: each throws a ClinicalDataError naming the path. */
export class DataReader {
  readonly file: string;
  constructor(file: string) {
    this.file = file;
  }

  fail(path: string, rule: string): never {
    throw new ClinicalDataError(this.file, path, rule);
  }

  object(value: unknown, path: string): JsonRecord {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'must be an object');
    return value as JsonRecord;
  }

  array(value: unknown, path: string, { nonEmpty = false } = {}): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'must be an array');
    if (nonEmpty && value.length === 0) this.fail(path, 'must not be empty');
    return value;
  }

  string(obj: JsonRecord, key: string, path: string): string {
    const value = obj[key];
    if (typeof value !== 'string' || value.trim() === '') this.fail(join(path, key), 'must be a non-empty string');
    return value;
  }

  optionalString(obj: JsonRecord, key: string, path: string): string | undefined {
    return obj[key] === undefined ? undefined : this.string(obj, key, path);
  }

  number(obj: JsonRecord, key: string, path: string): number {
    const value = obj[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(join(path, key), 'must be a finite number');
    return value;
  }

  oneOf<T extends string>(obj: JsonRecord, key: string, path: string, allowed: readonly T[]): T {
    const value = obj[key];
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.fail(join(path, key), `must be one of ${allowed.join(', ')}`);
    }
    return value as T;
  }

  id(obj: JsonRecord, key: string, path: string): string {
    const value = this.string(obj, key, path);
    if (!ID.test(value)) this.fail(join(path, key), 'must be lower-case letters, digits and hyphens');
    return value;
  }

  rxcui(value: unknown, path: string): string {
    if (typeof value !== 'string' || !RXCUI.test(value)) this.fail(path, 'must be an RxNorm code (digits, as a string)');
    return value;
  }

  /** Rejects keys the format does not define: a misspelt field would otherwise be silently ignored. */
  onlyKeys(obj: JsonRecord, path: string, allowed: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) this.fail(join(path, key), `is not a known field (allowed: ${allowed.join(', ')})`);
    }
  }

  /** Reads the top-level `sources` list: ids unique, each with a citation. */
  sources(root: JsonRecord): Map<string, SourceRef> {
    const sources = new Map<string, SourceRef>();
    this.array(root.sources, 'sources', { nonEmpty: true }).forEach((raw, i) => {
      const path = `sources[${i}]`;
      const obj = this.object(raw, path);
      this.onlyKeys(obj, path, ['id', 'citation', 'url']);
      const id = this.id(obj, 'id', path);
      if (sources.has(id)) this.fail(join(path, 'id'), `repeats source id "${id}"`);
      const url = this.optionalString(obj, 'url', path);
      sources.set(id, url === undefined ? { id, citation: this.string(obj, 'citation', path) } : { id, citation: this.string(obj, 'citation', path), url });
    });
    return sources;
  }

  /** A `source` field: one source id or a non-empty list of them, each defined in `sources`. */
  sourceRefs(obj: JsonRecord, path: string, sources: ReadonlyMap<string, SourceRef>): SourceRef[] {
    const raw = obj.source;
    const at = join(path, 'source');
    const ids = typeof raw === 'string' ? [raw] : this.array(raw, at, { nonEmpty: true });
    return ids.map((id, i) => {
      const where = typeof raw === 'string' ? at : `${at}[${i}]`;
      if (typeof id !== 'string') this.fail(where, 'must be a source id (string)');
      const ref = sources.get(id);
      if (!ref) this.fail(where, `names source "${id}", which is not in the top-level sources list`);
      return ref;
    });
  }
}

export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
