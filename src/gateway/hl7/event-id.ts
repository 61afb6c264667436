// Event ids derived from the source message alone, so that a retransmission (same sender, same
// MSH-10) yields the same ids and downstream idempotency drops the duplicate.
import { createHash } from 'node:crypto';

export function hl7EventId(sendingFacility: string, sendingApplication: string, controlId: string, index: number): string {
  // JSON keeps the parts apart: ("AB","C") and ("A","BC") hash differently.
  const digest = createHash('sha256').update(JSON.stringify([sendingFacility, sendingApplication, controlId, index])).digest('hex');
  return `hl7-${digest.slice(0, 32)}`;
}
