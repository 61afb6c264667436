// The LACE index (van Walraven 2010) at discharge: length of stay, acuity of the admission,
// Charlson index and emergency-department visits in the months before the admission.
import { charlsonIndex, explainCharlson } from './charlson.ts';
import { citations, pointsFrom, type RiskScore, type ScoreComponent } from './score.ts';
import type { CharlsonTable, LaceTable } from './tables.ts';

/** An earlier encounter as far as LACE cares. */
export interface PastEncounter {
  encounterId: string;
  class?: string;
  admitTime?: string;
  dischargeTime?: string;
}

export interface LaceInputs {
  encounterId: string | null;
  admitTime?: string;
  dischargeTime: string;
  /** PV1-4 as sent. */
  admissionType?: string;
  icd10Codes: readonly string[];
  /** The patient's encounters known to the timeline (any order). */
  encounters: readonly PastEncounter[];
}

export interface EdVisits {
  /** ED visits in the lookback before the admission, not counting the one the patient was admitted from. */
  count: number;
  /** True when the patient came in through an ED visit that ended as this admission started. */
  admittedFromEd: boolean;
}

const HOUR = 3_600_000;

export function edVisitsBefore(inputs: Pick<LaceInputs, 'encounterId' | 'admitTime' | 'encounters'>, table: LaceTable): EdVisits {
  const admit = Date.parse(inputs.admitTime ?? '');
  if (Number.isNaN(admit)) return { count: 0, admittedFromEd: false };
  const from = new Date(admit);
  from.setUTCMonth(from.getUTCMonth() - table.lookbackMonths);
  let count = 0;
  let admittedFromEd = false;
  for (const e of inputs.encounters) {
    if (e.encounterId === inputs.encounterId || e.class !== 'emergency') continue;
    const start = Date.parse(e.admitTime ?? '');
    if (Number.isNaN(start) || start < from.getTime() || start >= admit) continue;
    const end = Date.parse(e.dischargeTime ?? '');
    // An ED visit still open, or ended within the handover window, is the one the patient was admitted from.
    if (Number.isNaN(end) || end >= admit - table.edHandoverHours * HOUR) admittedFromEd = true;
    else count++;
  }
  return { count, admittedFromEd };
}

export function laceScore(inputs: LaceInputs, lace: LaceTable, charlson: CharlsonTable): RiskScore {
  const components: ScoreComponent[] = [];
  const missing: string[] = [];

  const admit = Date.parse(inputs.admitTime ?? '');
  const discharge = Date.parse(inputs.dischargeTime);
  if (Number.isNaN(admit) || Number.isNaN(discharge) || discharge < admit) {
    missing.push('length_of_stay');
    components.push({ id: 'length_of_stay', name: 'L: length of stay', value: null, units: 'd', points: null, detail: Number.isNaN(admit) ? 'admission time not known' : 'discharge before admission' });
  } else {
    const days = Math.floor((discharge - admit) / (24 * HOUR));
    components.push({ id: 'length_of_stay', name: 'L: length of stay', value: days, units: 'd', points: pointsFrom(lace.lengthOfStayDays, days), detail: `${inputs.admitTime} to ${inputs.dischargeTime}` });
  }

  const ed = edVisitsBefore(inputs, lace);
  const type = inputs.admissionType?.trim().toUpperCase();
  const emergentType = type !== undefined && type !== '' && lace.emergentAdmissionTypes.includes(type);
  if (emergentType || ed.admittedFromEd) {
    const why = [emergentType ? `admission type ${type}` : '', ed.admittedFromEd ? 'admitted from an emergency department visit' : ''].filter((s) => s !== '').join('; ');
    components.push({ id: 'acuity', name: 'A: acuity (emergent admission)', value: true, points: lace.emergentPoints, detail: why });
  } else if (type) {
    components.push({ id: 'acuity', name: 'A: acuity (emergent admission)', value: false, points: 0, detail: `admission type ${type}` });
  } else {
    missing.push('acuity');
    components.push({ id: 'acuity', name: 'A: acuity (emergent admission)', value: null, points: null, detail: 'admission type not given and no emergency department visit before the admission' });
  }

  const c = charlsonIndex(inputs.icd10Codes, charlson);
  components.push({ id: 'charlson', name: 'C: Charlson comorbidity index', value: c.index, points: pointsFrom(lace.charlson, c.index), detail: explainCharlson(c, inputs.icd10Codes.length) });

  components.push({
    id: 'ed_visits',
    name: `E: emergency department visits in the previous ${lace.lookbackMonths} months`,
    value: ed.count,
    points: pointsFrom(lace.edVisits, ed.count),
    detail: 'visits recorded in the timeline',
  });

  const score = components.reduce((sum, x) => sum + (x.points ?? 0), 0);
  const reached = [...lace.bands].reverse().find((b) => score >= b.from)?.band ?? lace.bands[0]!.band;
  const top = lace.bands[lace.bands.length - 1]!;
  const complete = missing.length === 0;
  const band = complete || reached === top.band ? reached : null;
  const parts = components.filter((x) => x.points !== null).map((x) => `${x.name} ${String(x.value)}: ${x.points}`);
  return {
    score_id: 'lace',
    name: 'LACE index',
    score,
    band,
    ...(band === null ? { band_at_least: reached } : {}),
    complete,
    missing,
    components,
    rule: { id: `lace:${lace.name}`, version: `${lace.version}; ${charlson.version}`, source: citations([...lace.sources, ...charlson.sources]) },
    explanation: [
      band ? `LACE ${score}${complete ? '' : ' or more'} (${band} risk of death or unplanned readmission within 30 days; high from ${top.from}).` : `LACE at least ${score} (at least ${reached}); the band cannot be given until the missing components are known.`,
      `Scored: ${parts.join('; ')}.`,
      complete ? '' : `Missing: ${missing.join(', ')}.`,
    ]
      .filter((s) => s !== '')
      .join(' '),
  };
}
