// MedicationRequest: a medication_order, dated authoredOn. The medication is its RxNorm coding where
// the sender gives one; dose, route and frequency come from the first dosage instruction. Medication
// orders are keyed by encounter, so an encounter with an identifier is required.
import type { Coding, MedicationOrderPayload } from '../../event/payloads.ts';
import { SYSTEM } from '../../event/payloads.ts';
import { codeIn, preferredCoding } from './codes.ts';
import { dateTime } from './datetime.ts';
import { ownOrderNumbers, requesterId } from './order-ref.ts';
import { orderControl } from './request-status.ts';
import { emit, eventTime, referencedEncounter, sourceInfo, subjectPatient, type ResourceContext } from './scope.ts';

// ORC-1: NW new order, CA cancel, DC discontinue, HD hold.
const CONTROL: Record<string, string> = { active: 'NW', cancelled: 'CA', stopped: 'DC', 'on-hold': 'HD' };

const MEDICATION_SYSTEMS = [SYSTEM.rxnorm, SYSTEM.ndc, SYSTEM.snomed];

export function mapMedicationRequest(ctx: ResourceContext): void {
  const { root } = ctx;
  const patient = subjectPatient(ctx);
  const encounter = referencedEncounter(ctx, 'medication_order');
  const control = orderControl(root, CONTROL);
  const medication = readMedication(ctx);
  const orderedAt = dateTime(root, 'authoredOn');
  const timestamp = eventTime(ctx, [orderedAt], 'authoredOn', 'authoredOn or meta.lastUpdated is required (the order time)');

  const dosage = root.arr('dosageInstruction')[0];
  const quantity = dosage?.arr('doseAndRate')[0]?.obj('doseQuantity');
  const doseValue = quantity?.num('value');
  const doseUnits = quantity?.str('unit') ?? quantity?.str('code');
  const route = preferredCoding(dosage?.obj('route'), [SYSTEM.snomed]);
  const timing = dosage?.obj('timing');
  const timingCode = timing?.obj('code');
  const frequency = timingCode?.str('text') ?? codeIn(timingCode);
  const bounds = timing?.obj('repeat')?.obj('boundsPeriod');
  const start = dateTime(bounds, 'start');
  const end = dateTime(bounds, 'end');
  if (!patient || !medication || control === undefined) return;

  const order: MedicationOrderPayload['order'] = { ...ownOrderNumbers(root), control };
  if (orderedAt !== undefined) order.orderedAt = orderedAt;
  const provider = requesterId(root);
  if (provider !== undefined) order.orderingProviderId = provider;
  const payload: MedicationOrderPayload = {
    patient: patient.info,
    ...(encounter.info ? { encounter: encounter.info } : {}),
    order,
    medication,
    diagnoses: root.arr('reasonCode').flatMap((c) => {
      const code = preferredCoding(c, [SYSTEM.icd10cm, SYSTEM.snomed]);
      return code ? [{ code }] : [];
    }),
    coverage: [],
    source: sourceInfo(ctx),
  };
  if (doseValue !== undefined || doseUnits !== undefined) {
    payload.dose = {};
    if (doseValue !== undefined) payload.dose.value = doseValue;
    if (doseUnits !== undefined) payload.dose.units = doseUnits;
  }
  if (route) payload.route = route;
  if (frequency !== undefined) payload.frequency = frequency;
  if (start !== undefined) payload.start = start;
  if (end !== undefined) payload.end = end;
  emit(ctx, 'medication_order', patient, encounter.id, timestamp, payload);
}

/** medicationCodeableConcept, or the code of the Medication that medicationReference resolves to. */
function readMedication(ctx: ResourceContext): Coding | undefined {
  const { root } = ctx;
  const concept = root.obj('medicationCodeableConcept');
  const ref = root.obj('medicationReference');
  if (concept) {
    const coding = preferredCoding(concept, MEDICATION_SYSTEMS);
    if (!coding) root.issue('required', 'must have a coding with a code (RxNorm preferred)', 'medicationCodeableConcept');
    return coding;
  }
  if (ref) {
    const reference = ref.str('reference');
    const resolved = reference === undefined ? undefined : ctx.scope.index.resolve(reference, root);
    if (!resolved || resolved.node.resourceType !== 'Medication') {
      ref.issue('not-found', 'must resolve to a Medication contained in the request or in the same Bundle');
      return undefined;
    }
    const coding = preferredCoding(resolved.node.obj('code'), MEDICATION_SYSTEMS);
    if (!coding) resolved.node.issue('required', 'must have a coding with a code (RxNorm preferred)', 'code');
    return coding;
  }
  root.issue('required', 'medication[x] is required: medicationCodeableConcept or medicationReference', 'medication');
  return undefined;
}
