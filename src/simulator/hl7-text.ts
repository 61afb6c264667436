// Small helpers to write HL7 v2 text: escaping, timestamps and segments built from field positions.
// The simulator writes its messages by hand rather than through a parser's object model, so the
// bytes are exactly what a real interface engine would put on the wire.

/** The segment separator of HL7 v2 (a carriage return, not a newline). */
export const SEGMENT_SEPARATOR = '\r';

/** Escapes the default delimiters (|^~\&) in a value, per HL7 v2.5.1 section 2.7. */
export function escapeHl7(value: string): string {
  return value.replace(/[\\|^~&]/g, (c) => {
    switch (c) {
      case '\\':
        return '\\E\\';
      case '|':
        return '\\F\\';
      case '^':
        return '\\S\\';
      case '~':
        return '\\R\\';
      default:
        return '\\T\\';
    }
  });
}

/** Joins components with '^', escaping each one and dropping empty trailing components. */
export function components(...parts: (string | number | undefined)[]): string {
  const text = parts.map((p) => (p === undefined ? '' : escapeHl7(String(p))));
  while (text.length > 0 && text[text.length - 1] === '') text.pop();
  return text.join('^');
}

/** A segment from its name and a map of field position to already-encoded field text. */
export function segment(name: string, fields: Record<number, string | undefined>): string {
  let last = 0;
  for (const key of Object.keys(fields)) {
    const index = Number(key);
    if (fields[index]) last = Math.max(last, index);
  }
  const out: string[] = [name];
  for (let i = 1; i <= last; i++) out.push(fields[i] ?? '');
  return out.join('|');
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * An HL7 DTM timestamp (YYYYMMDDHHMMSS+ZZZZ) in the hospital's local time, given its offset from
 * UTC in minutes. The offset is always written, so a reader never has to guess the time zone.
 */
export function hl7Timestamp(ms: number, utcOffsetMinutes: number): string {
  const local = new Date(ms + utcOffsetMinutes * 60_000);
  const sign = utcOffsetMinutes < 0 ? '-' : '+';
  const offset = Math.abs(utcOffsetMinutes);
  return (
    `${local.getUTCFullYear()}${pad(local.getUTCMonth() + 1)}${pad(local.getUTCDate())}` +
    `${pad(local.getUTCHours())}${pad(local.getUTCMinutes())}${pad(local.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(offset / 60))}${pad(offset % 60)}`
  );
}

/** An HL7 DT date (YYYYMMDD) of a UTC calendar day. */
export function hl7Date(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}
