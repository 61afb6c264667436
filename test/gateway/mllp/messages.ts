// HL7 v2 test messages carrying canary values outside MSH, and a reader for the answers.
import { Hl7Message } from '@medplum/core';
import type { AckReply } from '../../../src/gateway/mllp/ack.ts';
import { CANARY } from '../../support/canary.ts';

/** An ADT^A01 whose PID, NK1 and NTE carry canaries; MSH holds only routing data. */
export function adtMessage(controlId: string, trigger = 'A01'): string {
  return [
    `MSH|^~\\&|EPIC|NORTHWIND|VIGIL|HOSP|20261126083000||ADT^${trigger}^ADT_A01|${controlId}|P|2.5.1`,
    `EVN|${trigger}|20261126083000`,
    `PID|1||${CANARY.mrn}^^^NORTHWIND^MR||${CANARY.name}||${CANARY.dob}|F|||1 Canary Way^^Springfield`,
    `NK1|1|${CANARY.name}|SPO`,
    'PV1|1|I|W1^101^A',
    `NTE|1||${CANARY.note}`,
  ].join('\r') + '\r';
}

export interface ParsedAck {
  /** MSA-1. */
  code: string;
  /** MSA-2. */
  controlId: string;
  /** MSH-9 of the answer. */
  messageType: string;
  /** MSH-3..6 of the answer. */
  routing: string[];
  errors: { location: string; code: string; severity: string; text: string }[];
}

export function parseAck(text: string): ParsedAck {
  const msg = Hl7Message.parse(text);
  const msa = msg.getSegment('MSA');
  if (!msa || msg.header.getField(0).toString() !== 'MSH') throw new Error('answer has no MSH or MSA');
  return {
    code: msa.getField(1).toString(),
    controlId: msa.getField(2)?.toString() ?? '',
    messageType: msg.header.getField(9).toString(),
    routing: [3, 4, 5, 6].map((n) => msg.header.getField(n)?.toString() ?? ''),
    errors: msg.getAllSegments('ERR').map((err) => ({
      location: err.getField(2).toString(),
      code: err.getField(3).getComponent(1),
      severity: err.getField(4).toString(),
      text: err.getField(8).toString(),
    })),
  };
}

export const accept = async (): Promise<AckReply> => ({ code: 'AA' });

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
