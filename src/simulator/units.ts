// The hospital's units and beds, and the census that assigns them. A bed holds one patient at a
// time and, once vacated, needs cleaning before the next one; an admission or transfer that finds
// no clean bed waits (boarding) instead of overfilling the unit.

import type { Random } from './random.ts';

export type UnitKind = 'emergency' | 'ward' | 'icu' | 'telemetry';

export interface UnitConfig {
  /** Point of care (PV1-3.1). */
  code: string;
  name: string;
  kind: UnitKind;
  beds: number;
  bedsPerRoom: number;
  /** Number of the unit's first room; rooms count up from it. */
  firstRoom: number;
  /** Hours between routine sets of vital signs. */
  vitalsEveryHours: number;
}

// A community hospital of about 130 staffed beds (108 inpatient, 24 ED bays). Vital-sign intervals follow common nursing
// practice: hourly in intensive care, every 4 h on wards and telemetry, about every 2 h in the
// emergency department (assumptions; NICE CG50 asks for at least every 12 h on wards).
export const DEFAULT_UNITS: readonly UnitConfig[] = [
  { code: 'ED', name: 'Emergency department', kind: 'emergency', beds: 24, bedsPerRoom: 1, firstRoom: 1, vitalsEveryHours: 2 },
  { code: 'MS4', name: 'Medical-surgical 4', kind: 'ward', beds: 36, bedsPerRoom: 2, firstRoom: 401, vitalsEveryHours: 4 },
  { code: 'MS5', name: 'Medical-surgical 5', kind: 'ward', beds: 36, bedsPerRoom: 2, firstRoom: 501, vitalsEveryHours: 4 },
  { code: 'CARD', name: 'Cardiac telemetry', kind: 'telemetry', beds: 24, bedsPerRoom: 1, firstRoom: 301, vitalsEveryHours: 4 },
  { code: 'ICU', name: 'Intensive care', kind: 'icu', beds: 12, bedsPerRoom: 1, firstRoom: 201, vitalsEveryHours: 1 },
];

// Discharge-to-clean-bed turnaround in minutes (assumptions): 45 to 90 for an inpatient bed
// (a terminal clean), 10 to 30 for an emergency bay.
const CLEANING_MINUTES: Record<UnitKind, readonly [number, number]> = {
  emergency: [10, 30],
  ward: [45, 90],
  telemetry: [45, 90],
  icu: [45, 90],
};

export interface Bed {
  unit: UnitConfig;
  room: string;
  bed: string;
  /** The encounter in the bed, if any. */
  occupant: string | undefined;
  /** When the bed is clean and may take the next patient. */
  readyAt: number;
}

export interface CensusEntry {
  unit: string;
  occupied: number;
  beds: number;
}

export class Census {
  readonly units: readonly UnitConfig[];
  #beds = new Map<string, Bed[]>();

  constructor(units: readonly UnitConfig[]) {
    const codes = new Set<string>();
    for (const unit of units) {
      if (codes.has(unit.code)) throw new RangeError('unit codes must be unique');
      if (!Number.isSafeInteger(unit.beds) || unit.beds < 1) throw new RangeError('a unit needs at least one bed');
      codes.add(unit.code);
      const beds: Bed[] = [];
      for (let i = 0; i < unit.beds; i++) {
        const room = String(unit.firstRoom + Math.floor(i / unit.bedsPerRoom));
        const bed = unit.bedsPerRoom === 1 ? '1' : String.fromCharCode(65 + (i % unit.bedsPerRoom));
        beds.push({ unit, room, bed, occupant: undefined, readyAt: -Infinity });
      }
      this.#beds.set(unit.code, beds);
    }
    if (!units.some((u) => u.kind === 'emergency')) throw new RangeError('the hospital needs an emergency unit');
    if (!units.some((u) => u.kind === 'ward')) throw new RangeError('the hospital needs a ward');
    this.units = units;
  }

  /** A random clean, empty bed in any unit of this kind, or undefined when all are taken. */
  freeBed(kind: UnitKind, now: number, random: Random): Bed | undefined {
    const free: Bed[] = [];
    for (const unit of this.units) {
      if (unit.kind !== kind) continue;
      for (const bed of this.#beds.get(unit.code) ?? []) {
        if (bed.occupant === undefined && bed.readyAt <= now) free.push(bed);
      }
    }
    return free.length === 0 ? undefined : random.pick(free);
  }

  /** Whether the hospital has a unit of this kind (telemetry and ICU are optional). */
  has(kind: UnitKind): boolean {
    return this.units.some((u) => u.kind === kind);
  }

  occupy(bed: Bed, encounter: string): void {
    if (bed.occupant !== undefined) throw new Error('bed already occupied');
    bed.occupant = encounter;
  }

  release(bed: Bed, now: number, random: Random): void {
    bed.occupant = undefined;
    const [min, max] = CLEANING_MINUTES[bed.unit.kind];
    bed.readyAt = now + random.uniform(min, max) * 60_000;
  }

  /** Share of beds occupied, over all units of the kinds given (all inpatient units by default). */
  occupancy(kinds: readonly UnitKind[] = ['ward', 'telemetry', 'icu']): number {
    let beds = 0;
    let occupied = 0;
    for (const unit of this.units) {
      if (!kinds.includes(unit.kind)) continue;
      for (const bed of this.#beds.get(unit.code) ?? []) {
        beds++;
        if (bed.occupant !== undefined) occupied++;
      }
    }
    return beds === 0 ? 0 : occupied / beds;
  }

  snapshot(): CensusEntry[] {
    return this.units.map((unit) => {
      const beds = this.#beds.get(unit.code) ?? [];
      return { unit: unit.code, beds: beds.length, occupied: beds.filter((b) => b.occupant !== undefined).length };
    });
  }
}
