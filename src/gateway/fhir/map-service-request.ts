// ServiceRequest: an order (lab, imaging, procedure), dated authoredOn. Orders are keyed by
// encounter, so an encounter with an identifier is required.
import type { OrderPayload } from '../../event/payloads.ts';
import { SYSTEM } from '../../event/payloads.ts';
import { preferredCoding } from './codes.ts';
import { dateTime } from './datetime.ts';
import { ownOrderNumbers, requesterId } from './order-ref.ts';
import { orderControl } from './request-status.ts';
import { emit, eventTime, referencedEncounter, sourceInfo, subjectPatient, type ResourceContext } from './scope.ts';

// ORC-1: NW new order, CA cancel, HD hold.
const CONTROL: Record<string, string> = { active: 'NW', revoked: 'CA', 'on-hold': 'HD' };

// HL7 table 0027 priority where FHIR has the same notion; 'urgent' has no code there and is kept.
const PRIORITY: Record<string, string> = { stat: 'S', asap: 'A', routine: 'R', urgent: 'urgent' };

const CODE_SYSTEMS = [SYSTEM.cpt, SYSTEM.loinc, SYSTEM.hcpcs, SYSTEM.snomed];

export function mapServiceRequest(ctx: ResourceContext): void {
  const { root } = ctx;
  const patient = subjectPatient(ctx);
  const encounter = referencedEncounter(ctx, 'order');
  const control = orderControl(root, CONTROL);
  const code = preferredCoding(root.obj('code'), CODE_SYSTEMS);
  if (!code) root.issue('required', 'code must have a coding with a code (CPT, LOINC, HCPCS or SNOMED CT preferred)', 'code');
  const priorityText = root.str('priority');
  const priority = priorityText === undefined ? undefined : PRIORITY[priorityText];
  if (priorityText !== undefined && priority === undefined) root.issue('value', `priority must be one of ${Object.keys(PRIORITY).join(', ')}`, 'priority');
  const orderedAt = dateTime(root, 'authoredOn');
  const timestamp = eventTime(ctx, [orderedAt], 'authoredOn', 'authoredOn or meta.lastUpdated is required (the order time)');
  if (!patient || !code || control === undefined) return;

  const order: OrderPayload['order'] = {
    ...ownOrderNumbers(root),
    control,
    code,
    reasons: root.arr('reasonCode').flatMap((c) => preferredCoding(c, [SYSTEM.icd10cm, SYSTEM.snomed]) ?? []),
  };
  if (priority !== undefined) order.priority = priority;
  if (orderedAt !== undefined) order.orderedAt = orderedAt;
  const provider = requesterId(root);
  if (provider !== undefined) order.orderingProviderId = provider;
  const payload: OrderPayload = {
    patient: patient.info,
    ...(encounter.info ? { encounter: encounter.info } : {}),
    order,
    diagnoses: [],
    coverage: [],
    source: sourceInfo(ctx),
  };
  emit(ctx, 'order', patient, encounter.id, timestamp, payload);
}
