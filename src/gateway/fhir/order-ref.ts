// The order numbers that link results to orders and orders to each other: placer (type PLAC) and
// filler (type FILL) identifiers, and the placer number of the order a result is basedOn.
import type { OrderRef } from '../../event/payloads.ts';
import type { FhirNode } from './node.ts';
import { pickIdentifier, readIdentifier } from './patient.ts';
import type { ResourceContext } from './scope.ts';

/** Placer and filler numbers from the resource's own identifiers, by their v2-0203 type. */
export function ownOrderNumbers(root: FhirNode): OrderRef {
  const ref: OrderRef = {};
  const ids = root.arr('identifier').map(readIdentifier);
  const placer = ids.find((i) => i?.type?.toUpperCase() === 'PLAC');
  if (placer) ref.placerNumber = placer.value;
  const filler = ids.find((i) => i?.type?.toUpperCase() === 'FILL');
  if (filler) ref.fillerNumber = filler.value;
  return ref;
}

/**
 * The placer number of the ServiceRequest a result is basedOn: resolved in the Bundle or contained
 * (its PLAC identifier, else its first), else the identifier on the reference.
 */
export function basedOnPlacer(ctx: ResourceContext): string | undefined {
  for (const ref of ctx.root.arr('basedOn')) {
    const reference = ref.str('reference');
    const resolved = reference === undefined ? undefined : ctx.scope.index.resolve(reference, ctx.root);
    if (resolved?.node.resourceType === 'ServiceRequest') {
      const id = pickIdentifier(resolved.node.arr('identifier'), 'PLAC');
      if (id) return id.value;
    }
    const idNode = ref.obj('identifier');
    const id = idNode && readIdentifier(idNode);
    if (id) return id.value;
  }
  return undefined;
}

/** An ordering provider as an id: the requester's identifier, else its literal reference. */
export function requesterId(root: FhirNode): string | undefined {
  const ref = root.obj('requester');
  return ref?.obj('identifier')?.str('value') ?? ref?.str('reference');
}
