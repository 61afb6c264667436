// What ServiceRequest and MedicationRequest share: only real orders are mapped (not proposals or
// plans), and their status becomes the HL7 order control code (ORC-1) the order payload carries.
import type { FhirNode } from './node.ts';

const ORDER_INTENTS = new Set(['order', 'original-order', 'reflex-order', 'filler-order', 'instance-order']);

/** The order control for the request's status and intent; undefined (issue recorded) when it is none. */
export function orderControl(root: FhirNode, controls: Readonly<Record<string, string>>): string | undefined {
  const intent = root.str('intent');
  if (intent === undefined) root.issue('required', 'intent is required', 'intent');
  else if (!ORDER_INTENTS.has(intent)) root.issue('not-supported', `intent must be one of ${[...ORDER_INTENTS].join(', ')}: proposals and plans are not orders`, 'intent');
  const status = root.str('status');
  if (status === undefined) {
    root.issue('required', 'status is required', 'status');
    return undefined;
  }
  const control = controls[status];
  if (control === undefined) root.issue('not-supported', `status must be one of ${Object.keys(controls).join(', ')}`, 'status');
  return control;
}
