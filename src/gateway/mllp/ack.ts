// HL7 v2 acknowledgements (original mode): MSH + MSA, plus one ERR per error for AE/AR. Built
// only from the inbound MSH fields that an answer needs (applications, facilities, trigger,
// control id, processing id, version) and from rules that name a field, never from any other
// content of the inbound message, so an ACK can never carry PHI back out (DESIGN §3, invariant 8).
import { randomBytes } from 'node:crypto';
import { DEFAULT_VERSION, type Delimiters, type MshFields } from './msh.ts';

/** One reason a message was not accepted. `rule` names the field and rule, never a value. */
export interface AckError {
  /** Segment id, e.g. 'PID'. */
  segment: string;
  /** Which occurrence of the segment, 1-based (default 1). */
  sequence?: number;
  /** Field position, 1-based. */
  field?: number;
  /** HL7 table 0357 code, e.g. '101'. */
  hl7ErrorCode: string;
  rule: string;
}

export type AckReply = { code: 'AA' } | { code: 'AE' | 'AR'; errors: AckError[] };
export type AckCode = AckReply['code'];

/** HL7 table 0357 (message error condition codes). */
export const HL7_ERROR_CODES: Readonly<Record<string, string>> = {
  '0': 'Message accepted',
  '100': 'Segment sequence error',
  '101': 'Required field missing',
  '102': 'Data type error',
  '103': 'Table value not found',
  '104': 'Value too long',
  '200': 'Unsupported message type',
  '201': 'Unsupported event code',
  '202': 'Unsupported processing id',
  '203': 'Unsupported version id',
  '204': 'Unknown key identifier',
  '205': 'Duplicate key identifier',
  '206': 'Application record locked',
  '207': 'Application internal error',
};

// ERR-8 is TX of at most 250 characters in v2.5; longer rules are cut, not split.
const MAX_RULE = 250;

export interface AckOptions {
  /** MSH-7; defaults to now. */
  now?: Date;
  /** MSH-10 of the ACK itself; defaults to a fresh random id. */
  controlId?: string;
}

/** Builds the ACK for a message whose MSH was read (or partly read, for a NAK). Segments end in CR. */
export function buildAck(inbound: MshFields, reply: AckReply, opts: AckOptions = {}): string {
  const d = inbound.delimiters;
  const f = d.field;
  const c = d.component;
  const type = inbound.triggerEvent ? ['ACK', inbound.triggerEvent, 'ACK'].join(c) : 'ACK';
  const msh = [
    'MSH',
    [d.component, d.repetition, d.escape, d.subcomponent, d.truncation ?? ''].join(''),
    // The answer goes back the way the message came: receiver and sender swap places.
    inbound.receivingApplication,
    inbound.receivingFacility,
    inbound.sendingApplication,
    inbound.sendingFacility,
    hl7Timestamp(opts.now ?? new Date()),
    '',
    type,
    opts.controlId ?? newControlId(),
    inbound.processingId || 'P',
    inbound.version || DEFAULT_VERSION,
  ];
  const segments = [msh.join(f), ['MSA', reply.code, inbound.controlId].join(f)];
  if (reply.code !== 'AA') for (const error of reply.errors) segments.push(errSegment(error, d));
  return segments.map((s) => `${s}\r`).join('');
}

/** AR for a message the transport itself refuses (unreadable MSH, oversized, interrupted). */
export function buildNak(inbound: MshFields, errors: AckError[], opts: AckOptions = {}): string {
  return buildAck(inbound, { code: 'AR', errors }, opts);
}

function errSegment(error: AckError, d: Delimiters): string {
  const c = d.component;
  const segment = /^[A-Z][A-Z0-9]{2}$/.test(error.segment) ? error.segment : escapeText(error.segment.slice(0, 3), d);
  const sequence = positive(error.sequence) ?? 1;
  const field = positive(error.field);
  const location = [segment, String(sequence), ...(field === undefined ? [] : [String(field)])].join(c);
  const code = /^\d{1,4}$/.test(error.hl7ErrorCode) ? error.hl7ErrorCode : escapeText(error.hl7ErrorCode.slice(0, 8), d);
  const errorCode = [code, escapeText(HL7_ERROR_CODES[code] ?? '', d), 'HL70357'].join(c);
  // ERR-1 (pre-2.5 location) empty, ERR-2 location, ERR-3 code, ERR-4 severity, ERR-5..7 empty, ERR-8 user message.
  return ['ERR', '', location, errorCode, 'E', '', '', '', escapeText(error.rule.slice(0, MAX_RULE), d)].join(d.field);
}

/** HL7 escaping for text placed in a field; control characters become spaces. */
export function escapeText(text: string, d: Delimiters): string {
  const escapes = new Map<string, string>([
    [d.escape, 'E'],
    [d.field, 'F'],
    [d.component, 'S'],
    [d.subcomponent, 'T'],
    [d.repetition, 'R'],
  ]);
  if (d.truncation) escapes.set(d.truncation, 'P');
  let out = '';
  for (const ch of text) {
    const code = escapes.get(ch);
    if (code) out += `${d.escape}${code}${d.escape}`;
    else out += ch.charCodeAt(0) < 0x20 || ch === '\u007f' ? ' ' : ch;
  }
  return out;
}

/** 20 hex characters: unique enough, and within v2.5's 20-character MSH-10. */
export function newControlId(): string {
  return randomBytes(10).toString('hex');
}

function hl7Timestamp(date: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}+0000`;
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}
