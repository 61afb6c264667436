// MSH: who sent the message, what it is, which version. Anything the mapper cannot take is refused
// here, before any patient data is read: unsupported type, event or version (AR), or a missing
// control id (AE).
import { addIssue, dateTime, text, type MapContext } from './context.ts';
import { HL7_ERROR } from './errors.ts';
import type { Segment } from './message.ts';

export interface Hl7Header {
  /** MSH-3 (namespace id, else universal id); '' when not sent. */
  sendingApplication: string;
  /** MSH-4 (namespace id, else universal id); '' when not sent. */
  sendingFacility: string;
  /** MSH-10. */
  controlId: string;
  /** Message code and trigger event, e.g. ADT^A01. */
  messageType: string;
  /** MSH-12, e.g. 2.5.1. */
  version: string;
}

export interface HeaderInfo extends Hl7Header {
  messageCode: string;
  trigger: string;
  /** MSH-7 as UTC ISO 8601, when sent. */
  messageTime?: string;
}

/** Message codes and the trigger events mapped for each (RDE was O01 before v2.4 made it O11). */
export const SUPPORTED_MESSAGES: Readonly<Record<string, readonly string[]>> = {
  ADT: ['A01', 'A02', 'A03', 'A04', 'A08'],
  ORU: ['R01'],
  ORM: ['O01'],
  OML: ['O21'],
  RDE: ['O01', 'O11'],
};

export const SUPPORTED_VERSIONS: readonly string[] = ['2.3', '2.3.1', '2.4', '2.5', '2.5.1'];

/** Reads MSH (and EVN-1 for old ADT senders that leave MSH-9.2 empty); issues go to ctx. */
export function readHeader(ctx: MapContext, msh: Segment, evn: Segment | undefined): HeaderInfo {
  const sendingApplication = text(ctx, msh, 3) ?? text(ctx, msh, 3, 2) ?? '';
  const sendingFacility = text(ctx, msh, 4) ?? text(ctx, msh, 4, 2) ?? '';
  const controlId = text(ctx, msh, 10) ?? '';
  const version = text(ctx, msh, 12) ?? '';
  const messageCode = (text(ctx, msh, 9) ?? '').toUpperCase();
  let trigger = (text(ctx, msh, 9, 2) ?? '').toUpperCase();
  if (trigger === '' && messageCode === 'ADT' && evn) trigger = (text(ctx, evn, 1) ?? '').toUpperCase();

  if (messageCode === '') {
    addIssue(ctx, msh, 9, HL7_ERROR.requiredFieldMissing, 'message type is required');
  } else if (!SUPPORTED_MESSAGES[messageCode]) {
    addIssue(ctx, msh, 9, HL7_ERROR.unsupportedMessageType, `message type is not supported (supported: ${Object.keys(SUPPORTED_MESSAGES).join(', ')})`, 'AR');
  } else if (trigger === '') {
    addIssue(ctx, msh, 9, HL7_ERROR.requiredFieldMissing, 'trigger event (MSH-9.2) is required');
  } else if (!SUPPORTED_MESSAGES[messageCode]?.includes(trigger)) {
    addIssue(
      ctx,
      msh,
      9,
      HL7_ERROR.unsupportedEventCode,
      `trigger event is not supported for this message type (supported: ${SUPPORTED_MESSAGES[messageCode]?.join(', ')})`,
      'AR',
    );
  }
  if (controlId === '') addIssue(ctx, msh, 10, HL7_ERROR.requiredFieldMissing, 'message control id is required');
  if (version === '') {
    addIssue(ctx, msh, 12, HL7_ERROR.requiredFieldMissing, 'version id is required');
  } else if (!SUPPORTED_VERSIONS.includes(version)) {
    addIssue(ctx, msh, 12, HL7_ERROR.unsupportedVersion, `version is not supported (supported: ${SUPPORTED_VERSIONS.join(', ')})`, 'AR');
  }
  const messageTime = dateTime(ctx, msh, 7);
  return {
    sendingApplication,
    sendingFacility,
    controlId,
    messageType: trigger === '' ? messageCode : `${messageCode}^${trigger}`,
    version,
    messageCode,
    trigger,
    ...(messageTime === undefined ? {} : { messageTime }),
  };
}

export function publicHeader(h: HeaderInfo): Hl7Header {
  return {
    sendingApplication: h.sendingApplication,
    sendingFacility: h.sendingFacility,
    controlId: h.controlId,
    messageType: h.messageType,
    version: h.version,
  };
}
