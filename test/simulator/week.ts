// One simulated week, generated and parsed once per test process, for the tests that look at the
// traffic as a whole (format, causality, census, realism).
import { Hl7Message } from '@medplum/core';
import { createSimulation, type SimulatedMessage } from '../../src/simulator/schedule.ts';
import type { UnitConfig } from '../../src/simulator/units.ts';

export interface Parsed {
  sim: SimulatedMessage;
  hl7: Hl7Message;
  /** MSH-3. */
  app: string;
  visit: string;
}

export const WEEK_START = new Date('2026-03-02T00:00:00Z');

export function simulateWeek(seed: number | string): { messages: Parsed[]; units: readonly UnitConfig[] } {
  const simulation = createSimulation({ seed, start: WEEK_START, end: new Date(WEEK_START.getTime() + 7 * 86_400_000) });
  const messages: Parsed[] = [];
  for (const sim of simulation) {
    const hl7 = Hl7Message.parse(sim.message);
    messages.push({ sim, hl7, app: hl7.header.getField(3).toString(), visit: hl7.getSegment('PV1')?.getComponent(19, 1) ?? '' });
  }
  return { messages, units: simulation.units };
}

/** Placer number (OBR-2.1) of a message's first OBR, or ''. */
export function placerOf(p: Parsed): string {
  return p.hl7.getSegment('OBR')?.getComponent(2, 1) ?? '';
}
