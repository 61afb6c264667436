// What happened to each medication during a stay, from the encounter's medication orders: started
// (and still active at discharge), changed (re-ordered after an earlier order of the same drug
// ended: a new dose, route or frequency), or stopped before the discharge. The timeline ends every
// order still active at the discharge time, so an end at (or after) the discharge means "continued".
import type { Coding } from '../../event/payloads.ts';
import type { EncounterMedication } from '../../processors/encounter-record.ts';

export type MedicationChange = 'started' | 'changed' | 'stopped';

export interface MedicationCourse {
  medication: Coding;
  change: MedicationChange;
  /** The orders of this drug in the stay, oldest first. */
  orders: EncounterMedication[];
  activeAtDischarge: boolean;
  firstStart: string;
  /** When the last order ended, for a stopped drug. */
  stoppedAt?: string;
}

export function medicationCourses(medications: EncounterMedication[], dischargeTime: string): MedicationCourse[] {
  const discharge = Date.parse(dischargeTime);
  const byDrug = new Map<string, EncounterMedication[]>();
  for (const m of [...medications].sort((a, b) => Date.parse(a.start) - Date.parse(b.start))) {
    const key = `${m.medication.system}|${m.medication.code}`;
    byDrug.set(key, [...(byDrug.get(key) ?? []), m]);
  }
  return [...byDrug.values()].map((orders) => {
    const first = orders[0] as EncounterMedication;
    const active = orders.filter((o) => o.end === undefined || Date.parse(o.end) >= discharge);
    const ended = orders.filter((o) => !active.includes(o));
    const change: MedicationChange = active.length === 0 ? 'stopped' : ended.length > 0 ? 'changed' : 'started';
    const lastEnd = ended.map((o) => o.end as string).sort().at(-1);
    // The display of any order names the drug better than a bare code.
    const display = orders.map((o) => o.medication.display).find((d) => d !== undefined);
    return {
      medication: { ...first.medication, ...(display ? { display } : {}) },
      change,
      orders,
      activeAtDischarge: active.length > 0,
      firstStart: first.start,
      ...(change === 'stopped' && lastEnd ? { stoppedAt: lastEnd } : {}),
    };
  });
}
