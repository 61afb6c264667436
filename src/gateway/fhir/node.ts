// A typed reader over untrusted FHIR JSON. Every accessor knows the FHIRPath of what it reads, so a
// present element of the wrong JSON type is reported where it is (and what it held is never quoted),
// and mappers never cast input to FHIR types it may not match.
import { addIssue, type FhirIssue, type FhirIssueCode } from './errors.ts';

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class FhirNode {
  readonly value: Json;
  /** FHIRPath of this element. */
  readonly path: string;
  /** Where problems are recorded; shared by every node of one mapping. */
  readonly issues: FhirIssue[];

  constructor(value: Json, path: string, issues: FhirIssue[]) {
    this.value = value;
    this.path = path;
    this.issues = issues;
  }

  /** The FHIRPath of a child element. */
  at(name: string): string {
    return `${this.path}.${name}`;
  }

  /** Records an issue at this element, or at one of its children. */
  issue(code: FhirIssueCode, diagnostics: string, child?: string): void {
    addIssue(this.issues, code, child === undefined ? this.path : this.at(child), diagnostics);
  }

  get resourceType(): string | undefined {
    const type = this.value.resourceType;
    return typeof type === 'string' ? type : undefined;
  }

  /** A string element, trimmed; blank reads as absent. */
  str(name: string): string | undefined {
    const v = this.value[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      this.issue('structure', 'must be a JSON string', name);
      return undefined;
    }
    const trimmed = v.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  num(name: string): number | undefined {
    const v = this.value[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.issue('structure', 'must be a JSON number', name);
      return undefined;
    }
    return v;
  }

  bool(name: string): boolean | undefined {
    const v = this.value[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') {
      this.issue('structure', 'must be true or false', name);
      return undefined;
    }
    return v;
  }

  obj(name: string): FhirNode | undefined {
    const v = this.value[name];
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) {
      this.issue('structure', 'must be a JSON object', name);
      return undefined;
    }
    return new FhirNode(v, this.at(name), this.issues);
  }

  /** The object items of an array element; a non-array or a non-object item is an issue. */
  arr(name: string): FhirNode[] {
    const v = this.value[name];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.issue('structure', 'must be a JSON array', name);
      return [];
    }
    const out: FhirNode[] = [];
    v.forEach((item: unknown, i) => {
      const path = `${this.at(name)}[${i}]`;
      if (isObject(item)) out.push(new FhirNode(item, path, this.issues));
      else addIssue(this.issues, 'structure', path, 'must be a JSON object');
    });
    return out;
  }

  /** The non-blank strings of an array of strings (a name's given names). */
  strs(name: string): string[] {
    const v = this.value[name];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.issue('structure', 'must be a JSON array', name);
      return [];
    }
    const out: string[] = [];
    v.forEach((item: unknown, i) => {
      if (typeof item !== 'string') addIssue(this.issues, 'structure', `${this.at(name)}[${i}]`, 'must be a JSON string');
      else if (item.trim() !== '') out.push(item.trim());
    });
    return out;
  }

  /** Whether the element is present at all (for choice types: which value[x] was sent). */
  has(name: string): boolean {
    return this.value[name] !== undefined && this.value[name] !== null;
  }
}
