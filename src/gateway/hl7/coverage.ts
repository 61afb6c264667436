// IN1 to Coverage: who pays, under which plan, for which member.
import type { Coverage } from '../../event/payloads.ts';
import { text, type MapContext } from './context.ts';
import type { Segment } from './message.ts';

export function readCoverage(ctx: MapContext, segments: readonly Segment[]): Coverage[] {
  const out: Coverage[] = [];
  for (const in1 of segments) {
    const coverage: Coverage = {};
    const payerId = text(ctx, in1, 3);
    if (payerId !== undefined) coverage.payerId = payerId;
    const payerName = text(ctx, in1, 4);
    if (payerName !== undefined) coverage.payerName = payerName;
    const planId = text(ctx, in1, 2);
    if (planId !== undefined) coverage.planId = planId;
    // IN1-36 policy number; IN1-49 (insured's id number) where senders put the member id instead.
    const memberId = text(ctx, in1, 36) ?? text(ctx, in1, 49);
    if (memberId !== undefined) coverage.memberId = memberId;
    const groupNumber = text(ctx, in1, 8);
    if (groupNumber !== undefined) coverage.groupNumber = groupNumber;
    if (Object.keys(coverage).length > 0) out.push(coverage);
  }
  return out;
}
