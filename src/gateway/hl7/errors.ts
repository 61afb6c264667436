// Why a message could not be mapped, located by segment and field and explained by the rule it
// broke, never by a value: the MLLP layer turns these into ACK AE/AR with ERR segments, and error
// text ends up in logs, where PHI must never go.
import type { Hl7Header } from './header.ts';

/** The HL7 table 0357 (message error condition) codes the mapper reports. */
export const HL7_ERROR = {
  segmentSequence: '100',
  requiredFieldMissing: '101',
  dataType: '102',
  tableValueNotFound: '103',
  unsupportedMessageType: '200',
  unsupportedEventCode: '201',
  unsupportedVersion: '203',
  internal: '207',
} as const;

export type Hl7ErrorCode = (typeof HL7_ERROR)[keyof typeof HL7_ERROR];

/** AE: the message has an error (fix and resend). AR: the message is refused (not resendable as is). */
export type Hl7AckErrorCode = 'AE' | 'AR';

export interface Hl7Issue {
  /** Segment id (PID, OBX, ...), for ERR-2.1. */
  segment: string;
  /** 1-based occurrence of that segment in the message (the second OBX is 2), for ERR-2.2. */
  sequence?: number;
  /** Field as `SEG-n` (e.g. PID-3). */
  field?: string;
  /** The field's position alone (3 for PID-3), for ERR-2.3. */
  position?: number;
  code: Hl7AckErrorCode;
  hl7ErrorCode: Hl7ErrorCode;
  /** The rule that was broken, in fixed words: it never quotes the message. */
  rule: string;
}

export class Hl7MappingError extends Error {
  readonly issues: Hl7Issue[];
  /** What could be read from MSH (control id for MSA-2, ...): metadata, not PHI. */
  readonly header: Partial<Hl7Header>;

  constructor(issues: Hl7Issue[], header: Partial<Hl7Header> = {}) {
    super(`HL7 message not mapped: ${issues.map(describeIssue).join('; ')}`);
    this.name = 'Hl7MappingError';
    this.issues = issues;
    this.header = header;
  }

  /** AR when any issue refuses the message outright, AE otherwise. */
  get ackCode(): Hl7AckErrorCode {
    return this.issues.some((i) => i.code === 'AR') ? 'AR' : 'AE';
  }
}

export function describeIssue(issue: Hl7Issue): string {
  const where = issue.field ?? issue.segment;
  const nth = issue.sequence !== undefined && issue.sequence > 1 ? ` (${issue.segment} #${issue.sequence})` : '';
  return `${where}${nth}: ${issue.rule} [${issue.code} ${issue.hl7ErrorCode}]`;
}
