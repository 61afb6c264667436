// The critical-value knowledge as the rule engine sees it: limits keyed by LOINC, delta checks and
// the sources they cite. Loaded and validated from clinical/critical-limits.json (load-table.ts).
import type { Chemistry } from './units.ts';

export interface Source {
  id: string;
  citation: string;
  note?: string;
}

/** Critical limits of one LOINC code, in `units`. */
export interface CriticalLimit extends Chemistry {
  loinc: string;
  /** Slug naming the analyte across codes (potassium in serum and in blood): rule ids are built from it. */
  analyte: string;
  /** Clinician-readable name. */
  display: string;
  /** Canonical UCUM units of `low` and `high`. */
  units: string;
  low?: number;
  high?: number;
  /** The limit value itself is critical (INR >= 5), not only values beyond it. */
  lowInclusive?: boolean;
  highInclusive?: boolean;
  /** Id of an entry of the table's sources. */
  source: string;
}

/** A change against the patient's previous value of the same analyte that is worth a page. */
export interface DeltaCheck extends Chemistry {
  id: string;
  analyte: string;
  display: string;
  loinc: string[];
  direction: 'rise' | 'fall';
  /** Smallest change that fires, in `units` (the threshold itself fires). */
  change: number;
  units: string;
  /** The previous value must be at most this old. */
  withinHours: number;
  source: string;
}

export interface CriticalTable {
  name: string;
  revision: number;
  /** `${name}-v${revision}+${hash}`: the hash covers every limit and delta check, so a site override shows. */
  version: string;
  sources: ReadonlyMap<string, Source>;
  limits: ReadonlyMap<string, CriticalLimit>;
  deltaChecks: readonly DeltaCheck[];
}

/** The citation text of a source id (validated at load, so it is always there). */
export function citation(table: CriticalTable, sourceId: string): string {
  return table.sources.get(sourceId)?.citation ?? sourceId;
}

/** Molar mass and valence for a LOINC code, from its limit entry. */
export function chemistryOf(table: CriticalTable, loinc: string): Chemistry {
  const limit = table.limits.get(loinc);
  return { ...(limit?.molarMass ? { molarMass: limit.molarMass } : {}), ...(limit?.valence ? { valence: limit.valence } : {}) };
}
