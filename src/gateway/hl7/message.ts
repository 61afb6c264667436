// Splits raw HL7 text into segments with @medplum/core's Hl7Message, after checking what it does not:
// that the message starts with MSH, that MSH-2 holds real encoding characters, and that every line is
// a segment. Each segment keeps its occurrence number so that errors can point at "the 2nd OBX".
import { Hl7Context, Hl7Message, type Hl7Segment } from '@medplum/core';
import type { Delimiters } from './escape.ts';
import { HL7_ERROR, Hl7MappingError, type Hl7Issue } from './errors.ts';

export interface Segment {
  name: string;
  /** 1-based occurrence of this segment name in the message. */
  sequence: number;
  raw: Hl7Segment;
}

export interface ParsedMessage {
  delimiters: Delimiters;
  msh: Segment;
  /** Every segment after MSH, in order. */
  segments: Segment[];
}

const SEGMENT_NAME = /^[A-Z][A-Z0-9]{2}$/;
const ALPHANUMERIC_OR_SPACE = /[A-Za-z0-9\s]/;

export function parseMessage(text: string): ParsedMessage {
  if (!text.startsWith('MSH')) {
    throw new Hl7MappingError([structure('MSH', HL7_ERROR.segmentSequence, 'the message must begin with an MSH segment')]);
  }
  const field = text.charAt(3);
  const encodingEnd = text.indexOf(field, 4);
  const encoding = encodingEnd < 0 ? '' : text.slice(4, encodingEnd);
  // v2.3 to v2.5.1 define four encoding characters; a fifth (v2.7's truncation character) is
  // tolerated here so that such a message is refused for its version, which is the real reason.
  const chars = [field, ...encoding];
  if (
    field === '' ||
    encoding.length < 4 ||
    encoding.length > 5 ||
    chars.some((c) => ALPHANUMERIC_OR_SPACE.test(c)) ||
    new Set(chars).size !== chars.length
  ) {
    throw new Hl7MappingError([
      {
        ...structure('MSH', HL7_ERROR.dataType, 'MSH-1 and MSH-2 must be five distinct delimiter characters (field, component, repetition, escape, subcomponent)'),
        field: 'MSH-2',
        position: 2,
      },
    ]);
  }
  const [component = '', repetition = '', escape = '', subcomponent = ''] = encoding;
  const delimiters: Delimiters = { field, component, repetition, escape, subcomponent };

  // Segments end with CR. Files and some senders use LF or CRLF instead; a message that has CRs keeps
  // any lone LF as part of its text.
  const lines = (text.includes('\r') ? text.split(/\r\n|\r/) : text.split('\n')).filter((l) => l !== '');
  const issues: Hl7Issue[] = [];
  lines.forEach((line, i) => {
    const name = line.slice(0, 3);
    if (!SEGMENT_NAME.test(name) || (line.length > 3 && line.charAt(3) !== field)) {
      issues.push(
        structure(
          '(unknown)',
          HL7_ERROR.segmentSequence,
          `line ${i + 1} is not a segment: it must start with a three-character segment id and the field separator`,
        ),
      );
    }
  });
  lines.slice(1).forEach((line) => {
    if (line.startsWith(`MSH${field}`)) {
      issues.push(structure('MSH', HL7_ERROR.segmentSequence, 'only one message per frame: MSH appears more than once'));
    }
  });
  if (issues.length > 0) throw new Hl7MappingError(issues);

  const context = new Hl7Context('\r', field, component, repetition, escape, subcomponent);
  const message = new Hl7Message(lines, context);
  const counts = new Map<string, number>();
  const [msh, ...segments] = message.segments.map((raw): Segment => {
    const sequence = (counts.get(raw.name) ?? 0) + 1;
    counts.set(raw.name, sequence);
    return { name: raw.name, sequence, raw };
  });
  // The first line starts with MSH (checked above), so there is always one.
  if (!msh) throw new Hl7MappingError([structure('MSH', HL7_ERROR.segmentSequence, 'the message must begin with an MSH segment')]);
  return { delimiters, msh, segments };
}

function structure(segment: string, hl7ErrorCode: Hl7Issue['hl7ErrorCode'], rule: string): Hl7Issue {
  return { segment, code: 'AE', hl7ErrorCode, rule };
}
