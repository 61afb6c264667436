// Reads just enough of an inbound MSH segment to answer it: delimiters, the applications and
// facilities to swap, message type, control id, processing id and version. Written for garbage
// (a full parser is the mapping layer's job): it never throws, and it says which MSH field and
// rule failed, so that the answer can name them. It looks at nothing past the first segment, so
// nothing beyond MSH can ever reach an ACK.
import type { AckError } from './ack.ts';

export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
  /** v2.7+ truncation character, when MSH-2 declares one. */
  truncation?: string;
}

export const DEFAULT_DELIMITERS: Delimiters = { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' };

/** Used in an answer when the inbound version cannot be read. */
export const DEFAULT_VERSION = '2.5.1';

/** MSH fields as sent (already encoded with `delimiters`); '' where absent or unreadable. */
export interface MshFields {
  delimiters: Delimiters;
  sendingApplication: string; // MSH-3
  sendingFacility: string; // MSH-4
  receivingApplication: string; // MSH-5
  receivingFacility: string; // MSH-6
  messageType: string; // MSH-9.1
  triggerEvent: string; // MSH-9.2
  controlId: string; // MSH-10
  processingId: string; // MSH-11.1
  version: string; // MSH-12.1
}

export type MshReading =
  | { readable: true; msh: MshFields }
  /** `msh` holds whatever could be read; `error` says what could not. */
  | { readable: false; msh: MshFields; error: AckError };

// MSH-10 is ST of at most 199 characters (v2.7; earlier versions allow 20, and senders exceed it).
const MAX_CONTROL_ID = 199;
// Copied fields are capped: an ACK never grows with what a sender stuffed into its header.
const MAX_COPIED = 227;

const EMPTY: Omit<MshFields, 'delimiters'> = {
  sendingApplication: '',
  sendingFacility: '',
  receivingApplication: '',
  receivingFacility: '',
  messageType: '',
  triggerEvent: '',
  controlId: '',
  processingId: '',
  version: '',
};

export function readMsh(message: string): MshReading {
  const unreadable = (msh: MshFields, field: number | undefined, code: string, rule: string): MshReading => ({
    readable: false,
    msh,
    error: { segment: 'MSH', sequence: 1, ...(field === undefined ? {} : { field }), hl7ErrorCode: code, rule },
  });
  const blank: MshFields = { delimiters: DEFAULT_DELIMITERS, ...EMPTY };

  // Some senders put a line break or byte-order mark before MSH; that much is forgiven.
  let start = 0;
  while (start < message.length && '\r\n\uFEFF'.includes(message[start] ?? '')) start++;
  if (start === message.length) return unreadable(blank, undefined, '100', 'message is empty: it must begin with an MSH segment');
  if (!message.startsWith('MSH', start)) return unreadable(blank, undefined, '100', 'message must begin with an MSH segment');

  const field = message[start + 3] ?? '';
  if (!isDelimiter(field)) return unreadable(blank, 1, '102', 'MSH-1 field separator must be one printable non-alphanumeric character');

  let end = start;
  while (end < message.length && message[end] !== '\r' && message[end] !== '\n') end++;
  const fields = message.slice(start, end).split(field);
  // fields[n] is MSH-(n+1): MSH-1 is the separator itself.
  const get = (n: number): string => fields[n - 1] ?? '';

  const encoding = get(2);
  const chars = [...encoding];
  if (chars.length < 4 || chars.length > 5 || !chars.every(isDelimiter) || new Set([field, ...chars]).size !== chars.length + 1) {
    return unreadable(blank, 2, '102', 'MSH-2 encoding characters must be 4 or 5 distinct printable non-alphanumeric characters other than MSH-1');
  }
  const [component = '^', repetition = '~', escape = '\\', subcomponent = '&', truncation] = chars;
  const delimiters: Delimiters = { field, component, repetition, escape, subcomponent, ...(truncation ? { truncation } : {}) };
  const first = (value: string): string => value.split(component)[0] ?? '';

  const type = get(9).split(repetition)[0]?.split(component) ?? [];
  const trigger = type[1] ?? '';
  const version = first(get(12)).split(subcomponent)[0] ?? '';
  const processingId = first(get(11)).split(subcomponent)[0] ?? '';
  const msh: MshFields = {
    delimiters,
    sendingApplication: copied(get(3)),
    sendingFacility: copied(get(4)),
    receivingApplication: copied(get(5)),
    receivingFacility: copied(get(6)),
    messageType: /^[A-Za-z0-9]{1,7}$/.test(type[0] ?? '') ? (type[0] ?? '') : '',
    triggerEvent: /^[A-Za-z0-9]{1,7}$/.test(trigger) ? trigger : '',
    controlId: '',
    processingId: /^[A-Za-z]{1,3}$/.test(processingId) ? processingId : '',
    version: /^\d{1,2}(\.\d{1,3}){1,2}$/.test(version) ? version : '',
  };

  const controlId = get(10);
  if (controlId === '') return unreadable(msh, 10, '101', 'MSH-10 message control id is required');
  if (controlId.length > MAX_CONTROL_ID || hasControlChars(controlId)) {
    return unreadable(msh, 10, '102', `MSH-10 message control id must be at most ${MAX_CONTROL_ID} printable characters`);
  }
  msh.controlId = controlId;
  if (get(9) === '') return unreadable(msh, 9, '101', 'MSH-9 message type is required');
  if (msh.messageType === '') return unreadable(msh, 9, '102', 'MSH-9.1 message type must be a short alphanumeric code');
  return { readable: true, msh };
}

function isDelimiter(ch: string): boolean {
  if (ch.length !== 1) return false;
  const c = ch.charCodeAt(0);
  return c > 0x20 && c < 0x7f && !/[A-Za-z0-9]/.test(ch);
}

export function hasControlChars(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function copied(value: string): string {
  return hasControlChars(value) || value.length > MAX_COPIED ? '' : value;
}
