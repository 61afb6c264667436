// What every order carries, whatever its kind: ORC control, placer and filler numbers, when and by
// whom it was ordered, and its timing (TQ1 from v2.5, the older TQ fields before).
import type { OrderRef } from '../../event/payloads.ts';
import { dateTime, requiredText, text, type MapContext } from './context.ts';
import type { OrderGroup } from './groups.ts';
import type { Segment } from './message.ts';

export interface OrderCommon extends OrderRef {
  control: string;
  orderedAt?: string;
  orderingProviderId?: string;
  /** ORC-29 order type: I inpatient, O outpatient (as sent). */
  orderType?: string;
}

/** ORC-1 is required; OBR-2/OBR-3 give the order numbers when there is an OBR, ORC-2/ORC-3 otherwise. */
export function readOrderCommon(ctx: MapContext, orc: Segment, obr: Segment | undefined): OrderCommon {
  const common: OrderCommon = { control: requiredText(ctx, orc, 1, 'order control is required') ?? '' };
  const placer = (obr ? text(ctx, obr, 2) : undefined) ?? text(ctx, orc, 2);
  if (placer !== undefined) common.placerNumber = placer;
  const filler = (obr ? text(ctx, obr, 3) : undefined) ?? text(ctx, orc, 3);
  if (filler !== undefined) common.fillerNumber = filler;
  const orderedAt = dateTime(ctx, orc, 9);
  if (orderedAt !== undefined) common.orderedAt = orderedAt;
  const provider = text(ctx, orc, 12) ?? (obr ? text(ctx, obr, 16) : undefined);
  if (provider !== undefined) common.orderingProviderId = provider;
  const orderType = text(ctx, orc, 29);
  if (orderType !== undefined) common.orderType = orderType;
  return common;
}

/** TQ1-9, else the priority component of OBR-27 or ORC-7 (TQ.6): S, A, R, P, T... as sent. */
export function readPriority(ctx: MapContext, group: OrderGroup): string | undefined {
  for (const tq1 of group.tq1) {
    const priority = text(ctx, tq1, 9);
    if (priority !== undefined) return priority;
  }
  return (group.obr ? text(ctx, group.obr, 27, 6) : undefined) ?? (group.orc ? text(ctx, group.orc, 7, 6) : undefined);
}

export interface Timing {
  frequency?: string;
  start?: string;
  end?: string;
}

/** TQ1-3 repeat pattern, TQ1-7 start and TQ1-8 end; else the first TQ field given that has them. */
export function readTiming(ctx: MapContext, tq1s: readonly Segment[], tqs: readonly { seg: Segment; field: number }[]): Timing {
  let frequency: string | undefined;
  let start: string | undefined;
  let end: string | undefined;
  for (const tq1 of tq1s) {
    frequency ??= text(ctx, tq1, 3);
    start ??= dateTime(ctx, tq1, 7);
    end ??= dateTime(ctx, tq1, 8);
  }
  // TQ: quantity ^ interval (repeat pattern & explicit time) ^ duration ^ start ^ end ^ priority.
  for (const { seg, field } of tqs) {
    frequency ??= text(ctx, seg, field, 2);
    start ??= dateTime(ctx, seg, field, 4);
    end ??= dateTime(ctx, seg, field, 5);
  }
  const timing: Timing = {};
  if (frequency !== undefined) timing.frequency = frequency;
  if (start !== undefined) timing.start = start;
  if (end !== undefined) timing.end = end;
  return timing;
}
