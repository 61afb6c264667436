// HL7 v2 escape sequences (v2.5.1 chapter 2.7). @medplum/core splits on the delimiters but leaves
// escapes encoded, so every text value the mapper outputs goes through decodeEscapes.

/** The message's own delimiters, from MSH-1 and MSH-2. */
export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

export const DEFAULT_DELIMITERS: Delimiters = { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' };

const HEX = /^X((?:[0-9A-Fa-f]{2})+)$/;
const SKIP_LINES = /^\.sp\s*(\d*)$/;
// Formatting commands that carry no characters of their own once the text is flattened.
const FORMATTING = /^(?:\.fi|\.nf|\.ce|\.(?:in|ti|sk)\s*[+-]?\d+)$/;
// Character-set switches (ISO 2022 and multi-byte): the text around them is kept as received.
const CHARSET = /^(?:C[0-9A-Fa-f]{4}|M[0-9A-Fa-f]{4}(?:[0-9A-Fa-f]{2})?)$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes escape sequences in one component or subcomponent; unknown sequences stay as sent. */
export function decodeEscapes(text: string, d: Delimiters): string {
  if (!text.includes(d.escape)) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf(d.escape, i);
    if (start < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, start);
    const end = text.indexOf(d.escape, start + 1);
    const decoded = end < 0 ? undefined : decodeSequence(text.slice(start + 1, end), d);
    if (decoded === undefined) {
      // Not an escape sequence: keep the escape character literally and read on after it.
      out += d.escape;
      i = start + 1;
    } else {
      out += decoded;
      i = end + 1;
    }
  }
  return out;
}

function decodeSequence(seq: string, d: Delimiters): string | undefined {
  switch (seq) {
    case 'F':
      return d.field;
    case 'S':
      return d.component;
    case 'T':
      return d.subcomponent;
    case 'R':
      return d.repetition;
    case 'E':
      return d.escape;
    case '.br':
      return '\n';
    case 'H':
    case 'N':
      // Highlighting on/off: presentation only.
      return '';
  }
  const skip = SKIP_LINES.exec(seq);
  if (skip) return '\n'.repeat(skip[1] ? Number(skip[1]) : 1);
  if (FORMATTING.test(seq) || CHARSET.test(seq)) return '';
  const hex = HEX.exec(seq);
  if (hex?.[1]) {
    const bytes = Buffer.from(hex[1], 'hex');
    // Senders mean UTF-8 nowadays; a byte sequence that is not valid UTF-8 is read as Latin-1.
    try {
      return utf8.decode(bytes);
    } catch {
      return bytes.toString('latin1');
    }
  }
  // \Zxxx\ is locally defined: no meaning can be given to it here.
  if (seq.startsWith('Z')) return '';
  return undefined;
}
