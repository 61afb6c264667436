// The observations of a lab_result payload that a processor can judge: those carrying a code.
import type { JsonObject } from '../event/envelope.ts';
import type { Coding, Observation } from '../event/payloads.ts';

function isCoding(v: unknown): v is Coding {
  return typeof v === 'object' && v !== null && typeof (v as Coding).system === 'string' && typeof (v as Coding).code === 'string';
}

/** The payload's observations that carry a code; the gateway validated the rest of the shape. */
export function observationsOf(payload: JsonObject): Observation[] {
  const list = payload.observations;
  if (!Array.isArray(list)) return [];
  return list.filter((o): o is Observation => typeof o === 'object' && o !== null && isCoding((o as Observation).code));
}
