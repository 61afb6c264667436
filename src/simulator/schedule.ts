// The simulator's public generator: a deterministic, endless (or bounded) stream of HL7 v2.5.1
// messages from a simulated hospital, in simulated-time order. The same options and seed always
// give the same bytes: the simulated clock starts at `start` and only the seeded PRNG decides.

import { Hospital } from './hospital.ts';
import type { MessageType } from './messages.ts';
import type { Seed } from './random.ts';
import { DEFAULT_UNITS, type CensusEntry, type UnitConfig } from './units.ts';

export interface SimulationOptions {
  seed: Seed;
  /** Simulated time of the start. */
  start: Date;
  /** Simulated time at which the stream ends (exclusive); endless when absent. */
  end?: Date;
  /** Put CANARY in every patient name and identifier (PHI-leak tests search for it). */
  canary?: boolean;
  units?: readonly UnitConfig[];
  /** Emergency visits per day (default 100: about 36,500 a year, typical of a hospital this size). */
  edVisitsPerDay?: number;
  /** Elective and transfer admissions per day, not through the ED (default 5). */
  directAdmissionsPerDay?: number;
  /** The hospital's offset from UTC, in minutes, for local times and HL7 timestamps (default 0). */
  utcOffsetMinutes?: number;
  /** MSH-4 and assigning authority of MRNs and visit numbers (default RGH). */
  facility?: string;
  /** Start with the inpatient units part-full, as a running hospital (default true). */
  warmStart?: boolean;
  /** Occupancy of the warm start (default 0.75: US hospitals ran at about 75% after 2022, Leuchter et al., JAMA Netw Open 2025). */
  initialOccupancy?: number;
}

export interface SimulatedMessage {
  /** Simulated time of the message. */
  at: Date;
  /** HL7 v2.5.1 text, segments separated by '\r'. */
  message: string;
  /** MSH-9.1^MSH-9.2, e.g. 'ADT^A01'. */
  type: MessageType;
  /** MSH-10. */
  controlId: string;
  /** Opaque simulator index of the patient (not an MRN): pin connections and check order with it. */
  patientRef: string;
}

export interface Simulation extends IterableIterator<SimulatedMessage, undefined> {
  readonly units: readonly UnitConfig[];
  /** Beds occupied per unit, as of the event behind the last message returned. */
  census(): CensusEntry[];
}

const DEFAULTS = {
  edVisitsPerDay: 100,
  directAdmissionsPerDay: 5,
  utcOffsetMinutes: 0,
  facility: 'RGH',
  warmStart: true,
  initialOccupancy: 0.75,
};

function check(condition: boolean, message: string): void {
  if (!condition) throw new RangeError(message);
}

export function createSimulation(options: SimulationOptions): Simulation {
  const start = options.start.getTime();
  check(Number.isFinite(start), 'start must be a valid date');
  const end = options.end?.getTime() ?? Infinity;
  check(!Number.isNaN(end), 'end must be a valid date');
  const o = { ...DEFAULTS, ...stripUndefined(options) };
  check(Number.isFinite(o.edVisitsPerDay) && o.edVisitsPerDay >= 0, 'edVisitsPerDay must be a non-negative number');
  check(Number.isFinite(o.directAdmissionsPerDay) && o.directAdmissionsPerDay >= 0, 'directAdmissionsPerDay must be a non-negative number');
  check(Number.isInteger(o.utcOffsetMinutes) && Math.abs(o.utcOffsetMinutes) <= 14 * 60, 'utcOffsetMinutes must be a whole number of minutes within ±14 h');
  check(o.initialOccupancy >= 0 && o.initialOccupancy <= 1, 'initialOccupancy must be between 0 and 1');
  check(/^[A-Za-z0-9_.-]{1,20}$/.test(o.facility), 'facility must be 1-20 letters, digits, _ . or -');
  const hospital = new Hospital({
    seed: options.seed,
    start,
    canary: options.canary ?? false,
    units: options.units ?? DEFAULT_UNITS,
    edVisitsPerDay: o.edVisitsPerDay,
    directAdmissionsPerDay: o.directAdmissionsPerDay,
    utcOffsetMinutes: o.utcOffsetMinutes,
    facility: o.facility,
    warmStart: o.warmStart,
    initialOccupancy: o.initialOccupancy,
  });

  const pending: SimulatedMessage[] = [];
  let head = 0;
  let done = false;

  const next = (): IteratorResult<SimulatedMessage, undefined> => {
    while (!done && head === pending.length) {
      pending.length = 0;
      head = 0;
      const at = hospital.nextTime();
      if (at === undefined || at >= end) {
        done = true;
        break;
      }
      for (const e of hospital.step() ?? []) {
        pending.push({ at: new Date(e.at), message: e.message.text, type: e.message.type, controlId: e.message.controlId, patientRef: e.patientRef });
      }
    }
    if (head < pending.length) return { done: false, value: pending[head++]! };
    return { done: true, value: undefined };
  };

  const simulation: Simulation = {
    units: hospital.census.units,
    census: () => hospital.census.snapshot(),
    next,
    [Symbol.iterator]() {
      return simulation;
    },
  };
  return simulation;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
