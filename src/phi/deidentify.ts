// De-identification of what goes to an LLM endpoint that no business associate agreement covers.
// Two layers: prompts are built from structured data with identifiers removed by construction
// (deidentifyData), and every prompt text gets a final scrub of each identifier string known for
// the patient plus the patterns of dates, phone numbers and e-mail addresses (scrubText).
// Dates become days relative to the event ("day -3"); a birth date becomes an age band. The rules
// follow HIPAA Safe Harbor's list (45 CFR 164.514(b)(2)) for the identifiers a hospital event holds.

/** Every identifier string known for the patient, as it may appear in prompt text. */
export interface PatientIdentity {
  /** Names in any form: "DOE^JANE", "Jane Doe"; each part is scrubbed on its own too. */
  names: string[];
  /** MRNs, visit, account, order and other numbers, patient and encounter keys. */
  identifiers: string[];
  /** Whole addresses and their parts (street line, city, postal code). */
  addresses: string[];
  phones: string[];
  emails: string[];
  /** As received. */
  birthDate?: string;
}

export interface PhiContext {
  identity: PatientIdentity;
  /** Dates are given as whole days from this one (the event's time): "day -3". */
  referenceTime: string;
}

export function emptyIdentity(): PatientIdentity {
  return { names: [], identifiers: [], addresses: [], phones: [], emails: [] };
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

// Keys that hold identifiers in the clinical payloads (HL7 v2 and FHIR mapped), by kind.
const NAME_KEYS = new Set(['name', 'names', 'family', 'given', 'prefix', 'suffix', 'mothersMaidenName', 'alias']);
const ID_KEYS = new Set(['identifier', 'identifiers', 'mrn', 'ssn', 'visitNumber', 'accountNumber', 'placerNumber', 'fillerNumber', 'driverLicense']);
const ADDRESS_KEYS = new Set(['address', 'addresses']);
const PHONE_KEYS = new Set(['phone', 'phones', 'telecom', 'fax']);
const EMAIL_KEYS = new Set(['email', 'emails']);
const BIRTH_KEYS = new Set(['birthDate', 'dob', 'dateOfBirth']);
const IDENTIFIER_KEYS = new Set([...NAME_KEYS, ...ID_KEYS, ...ADDRESS_KEYS, ...PHONE_KEYS, ...EMAIL_KEYS, ...BIRTH_KEYS]);

// Structural fields of an identifier or name object that are not identifiers themselves.
const NOT_IDENTIFYING = new Set(['type', 'use', 'system', 'authority', 'assigner', 'period']);

function strings(value: unknown, out: string[]): void {
  if (typeof value === 'string') {
    if (value.trim() !== '') out.push(value.trim());
  } else if (Array.isArray(value)) {
    for (const v of value) strings(v, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (!NOT_IDENTIFYING.has(k)) strings(v, out);
  }
}

/**
 * The identity of the patient as a payload carries it (HL7 v2 or FHIR mapped: `patient`,
 * `encounter`, `order`, anywhere in it), plus further strings known to identify them (the
 * record's patient and encounter keys). Keys are read wherever they are: a `name` anywhere is
 * taken for a person's (next of kin, guarantor too); scrubbing too much is the safe side.
 */
export function identityOf(payload: unknown, extraIdentifiers: (string | null | undefined)[] = []): PatientIdentity {
  const identity = emptyIdentity();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) walk(v);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value)) {
      if (NAME_KEYS.has(key)) strings(v, identity.names);
      else if (ID_KEYS.has(key)) strings(v, identity.identifiers);
      else if (ADDRESS_KEYS.has(key)) strings(v, identity.addresses);
      else if (PHONE_KEYS.has(key)) strings(v, identity.phones);
      else if (EMAIL_KEYS.has(key)) strings(v, identity.emails);
      else if (BIRTH_KEYS.has(key) && typeof v === 'string') identity.birthDate = v;
      else walk(v);
    }
  };
  walk(payload);
  for (const id of extraIdentifiers) if (id) identity.identifiers.push(id);
  return identity;
}

/** Ten-year age band at `at`; 90 and over is one band (Safe Harbor). Undefined for an unreadable date. */
export function ageBand(birthDate: string, at: string): string | undefined {
  const born = calendarDate(birthDate);
  const now = calendarDate(at);
  if (!born || !now) return undefined;
  let age = now.y - born.y;
  if (now.m < born.m || (now.m === born.m && now.d < born.d)) age--;
  return ageBandOfYears(age);
}

/** The band of an age in whole years. */
export function ageBandOfYears(age: number): string | undefined {
  if (!Number.isInteger(age) || age < 0) return undefined;
  if (age >= 90) return '90+';
  const low = Math.floor(age / 10) * 10;
  return `${low}-${low + 9}`;
}

interface CalendarDate {
  y: number;
  m: number;
  d: number;
}

/** The calendar date as written (an offset does not move it), validated. */
function calendarDate(text: string): CalendarDate | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return { y, m: mo, d };
}

const dayNumber = (c: CalendarDate): number => Date.UTC(c.y, c.m - 1, c.d) / 86_400_000;

/** "day -3": whole calendar days from the reference date; "[date]" when either is unreadable. */
export function relativeDay(date: string, referenceTime: string): string {
  const c = calendarDate(date);
  const ref = calendarDate(referenceTime);
  if (!c || !ref) return '[date]';
  return `day ${dayNumber(c) - dayNumber(ref)}`;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replaces each string, case-insensitively, longest first (so a full name goes before its parts). */
function replaceAll(text: string, needles: string[], placeholder: string, wholeWords: boolean): string {
  const unique = [...new Set(needles.filter((n) => n.length > 0))].sort((a, b) => b.length - a.length);
  let out = text;
  for (const n of unique) {
    const body = escape(n);
    const pattern = wholeWords ? `(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])` : body;
    out = out.replace(new RegExp(pattern, 'giu'), placeholder);
  }
  return out;
}

/** A name's parts: "DOE^JANE Q" gives DOE, JANE (initials and one-letter parts are left). */
function nameParts(names: string[]): string[] {
  return names.flatMap((n) => n.split(/[\s^,]+/)).filter((p) => p.replace(/[^\p{L}]/gu, '').length >= 2);
}

// Date forms in free text: ISO 8601 (date or date-time), US numeric, HL7 v2 TS (YYYYMMDD[HHMM[SS]]).
const ISO_DATE = /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g;
const US_DATE = /\b(\d{1,2})\/(\d{1,2})\/(\d{4}|\d{2})\b/g;
const HL7_DATE = /\b(?:19|20)\d{6}(?:\d{4}(?:\d{2})?)?(?:[+-]\d{4})?\b/g;
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
const PHONE = /(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\b\d{3}[\s.-])\d{3}[\s.-]\d{4}\b/g;
const SSN = /\b\d{3}-\d{2}-\d{4}\b/g;

function usToIso(m: string, mo: string, d: string, y: string): string {
  const year = y.length === 2 ? `20${y}` : y;
  return calendarDate(`${year}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}`) ? `${year}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}` : m;
}

/**
 * The final scrub of a prompt text: every identifier string known for the patient, then every
 * date (to "day N" from the reference), phone number, e-mail address and SSN pattern.
 */
export function scrubText(text: string, ctx: PhiContext): string {
  const id = ctx.identity;
  let out = text;
  if (id.birthDate) out = replaceAll(out, [id.birthDate], '[birth date]', false);
  // Whole tokens only, and not one or two characters: "7" would take every lab value with it.
  out = replaceAll(out, id.identifiers.filter((i) => i.length >= 3), '[id]', true);
  out = replaceAll(out, id.emails, '[email]', false);
  out = replaceAll(out, id.phones, '[phone]', true);
  out = replaceAll(out, id.addresses, '[address]', true);
  out = replaceAll(out, id.names, '[name]', true);
  out = replaceAll(out, nameParts(id.names), '[name]', true);
  out = out.replace(EMAIL, '[email]');
  out = out.replace(ISO_DATE, (d) => relativeDay(d, ctx.referenceTime));
  out = out.replace(US_DATE, (m, mo: string, d: string, y: string) => {
    const iso = usToIso(m, mo, d, y);
    return iso === m ? m : relativeDay(iso, ctx.referenceTime);
  });
  out = out.replace(HL7_DATE, (d) => (calendarDate(d) ? relativeDay(d, ctx.referenceTime) : d));
  out = out.replace(SSN, '[id]');
  out = out.replace(PHONE, '[phone]');
  return out;
}

const ISO_DATE_ONLY = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Structured data with identifiers removed by construction: identifier fields (names,
 * identifiers, addresses, phones, e-mails) are dropped, a birth date becomes `ageBand`, date
 * values become "day N", and every other string gets the final scrub.
 */
export function deidentifyData(value: unknown, ctx: PhiContext): Json {
  if (typeof value === 'string') return ISO_DATE_ONLY.test(value.trim()) ? relativeDay(value, ctx.referenceTime) : scrubText(value, ctx);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => deidentifyData(v, ctx));
  if (typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [key, v] of Object.entries(value)) {
      if (BIRTH_KEYS.has(key)) {
        const band = typeof v === 'string' ? ageBand(v, ctx.referenceTime) : undefined;
        if (band) out.ageBand = band;
      } else if (!IDENTIFIER_KEYS.has(key) && v !== undefined) {
        out[key] = deidentifyData(v, ctx);
      }
    }
    return out;
  }
  return null;
}
