// Field-by-field checks for the critical-limits data files: every problem is collected with the
// path of its field, so one run of a bad site file lists all its mistakes at once.
import { normaliseUnits } from './units.ts';

export type Raw = Record<string, unknown>;

export const SLUG_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;

export const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects problems under a path prefix; children share the parent's list. */
export class Checker {
  readonly path: string;
  readonly problems: string[];
  constructor(path: string, problems: string[] = []) {
    this.path = path;
    this.problems = problems;
  }

  at(path: string): Checker {
    return new Checker(path, this.problems);
  }
  fail(field: string, rule: string): void {
    this.problems.push(`${this.path}${field ? `.${field}` : ''} ${rule}`);
  }
  keys(obj: Raw, allowed: readonly string[]): void {
    for (const k of Object.keys(obj)) if (!allowed.includes(k)) this.fail(JSON.stringify(k), `is not a known field (allowed: ${allowed.join(', ')})`);
  }
  text(obj: Raw, field: string, required = true): string | undefined {
    const v = obj[field];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v.trim() === '') {
      this.fail(field, 'must be a non-empty string');
      return undefined;
    }
    return v;
  }
  slug(obj: Raw, field: string): string | undefined {
    const v = this.text(obj, field);
    if (v !== undefined && !SLUG_PATTERN.test(v)) this.fail(field, 'must be lower-case letters, digits and dashes');
    return v;
  }
  positive(obj: Raw, field: string, required: boolean): number | undefined {
    const v = obj[field];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      this.fail(field, 'must be a positive number');
      return undefined;
    }
    return v;
  }
  finite(obj: Raw, field: string): number | undefined {
    const v = obj[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.fail(field, 'must be a number');
      return undefined;
    }
    return v;
  }
  flag(obj: Raw, field: string): boolean | undefined {
    const v = obj[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') this.fail(field, 'must be true or false');
    return v === true;
  }
  units(obj: Raw, field: string): string | undefined {
    const v = this.text(obj, field);
    if (v === undefined) return undefined;
    const canonical = normaliseUnits(v);
    if (canonical === undefined) this.fail(field, `"${v}" is not a unit the converter knows`);
    return canonical;
  }
  chemistry(obj: Raw): { molarMass?: number; valence?: number } {
    const molarMass = this.positive(obj, 'molarMass', false);
    const valence = obj.valence;
    if (valence !== undefined && (!Number.isInteger(valence) || valence === 0)) this.fail('valence', 'must be a non-zero integer');
    return { ...(molarMass ? { molarMass } : {}), ...(typeof valence === 'number' && Number.isInteger(valence) && valence !== 0 ? { valence } : {}) };
  }
}
