// FHIR date, dateTime and instant values. A FHIR dateTime with a time always carries its offset, so
// unlike HL7 v2 no site time zone is needed. A partial dateTime (a year, month or day) is taken as
// the start of that period in UTC: FHIR gives it no zone, and the envelope needs an instant.
import { toUtcTimestamp } from '../../event/envelope.ts';
import type { FhirNode } from './node.ts';

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** A FHIR date (YYYY, YYYY-MM or YYYY-MM-DD) as sent when it is a real calendar date. */
export function fhirDate(text: string): string | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d] = m;
  if (mo !== undefined && (Number(mo) < 1 || Number(mo) > 12)) return undefined;
  if (d !== undefined) {
    const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
    if (day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d)) return undefined;
  }
  return text;
}

/** A FHIR dateTime or instant as UTC ISO 8601 (`...Z`), or undefined when it is not one. */
export function fhirDateTimeToUtc(text: string): string | undefined {
  if (DATE_TIME.test(text)) return toUtcTimestamp(text);
  const date = fhirDate(text);
  if (date === undefined) return undefined;
  const [y, m = '01', d = '01'] = date.split('-');
  return `${y}-${m}-${d}T00:00:00.000Z`;
}

/** A dateTime element as UTC ISO 8601; one that is not a FHIR dateTime is an issue. */
export function dateTime(node: FhirNode | undefined, name: string): string | undefined {
  const text = node?.str(name);
  if (node === undefined || text === undefined) return undefined;
  const utc = fhirDateTimeToUtc(text);
  if (utc === undefined) node.issue('value', 'must be a FHIR dateTime: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with Z or an offset', name);
  return utc;
}

/** A date element as sent; one that is not a FHIR date is an issue. */
export function date(node: FhirNode, name: string): string | undefined {
  const text = node.str(name);
  if (text === undefined) return undefined;
  const value = fhirDate(text);
  if (value === undefined) node.issue('value', 'must be a FHIR date: YYYY, YYYY-MM or YYYY-MM-DD', name);
  return value;
}
