// DG1 to Diagnosis. v2.3 senders may leave DG1-3 empty and put the coding method in DG1-2 and the
// text in DG1-4; both layouts are read.
import type { Diagnosis } from '../../event/payloads.ts';
import { codeSystem, coding } from './codes.ts';
import { dateTime, text, type MapContext } from './context.ts';
import type { Segment } from './message.ts';

export function readDiagnoses(ctx: MapContext, segments: readonly Segment[]): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const dg1 of segments) {
    const legacyMethod = text(ctx, dg1, 2);
    let code = coding(ctx, dg1, 3, legacyMethod === undefined ? {} : { defaultSystem: codeSystem(ctx, legacyMethod) });
    if (!code) continue;
    const description = text(ctx, dg1, 4);
    if (code.display === undefined && description !== undefined) code = { ...code, display: description };
    const diagnosis: Diagnosis = { code };
    const type = text(ctx, dg1, 6);
    if (type !== undefined) diagnosis.type = type;
    const recordedAt = dateTime(ctx, dg1, 5);
    if (recordedAt !== undefined) diagnosis.recordedAt = recordedAt;
    out.push(diagnosis);
  }
  return out;
}
