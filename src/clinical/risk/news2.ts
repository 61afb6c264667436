// NEWS2 (RCP 2017) from charted vital signs: reading the newest value of each parameter from the
// patient's observations, and scoring them. A parameter not charted within the table's window is
// named as missing and scores nothing; the total is then a lower bound and the band is given only
// when the scored parameters already decide it.
import type { Observation } from '../../event/payloads.ts';
import { type Band, citations, pointsIn, type RiskScore, type ScoreComponent } from './score.ts';
import { type News2Table, normalizeIcd } from './tables.ts';

export interface Reading<T> {
  value: T;
  units?: string;
  observedAt?: string;
  eventId?: string;
}

export interface News2Readings {
  respirationRate?: Reading<number>;
  spo2?: Reading<number>;
  /** true: supplemental oxygen; false: room air. */
  onOxygen?: Reading<boolean>;
  systolicBp?: Reading<number>;
  pulse?: Reading<number>;
  /** ACVPU as charted: a letter (A, C, V, P, U) or its words. */
  consciousness?: Reading<string>;
  /** Degrees Celsius. */
  temperature?: Reading<number>;
}

export interface SpO2Scale {
  scale: 1 | 2;
  /** Why scale 2 was used (a diagnosis code), for the explanation. */
  reason?: string;
}

/** An observation with where it came from (history observations carry their event). */
export type SourcedObservation = Observation & { eventId?: string };

/**
 * The newest value of each NEWS2 parameter charted at or before `at` and within the table's
 * window. `observations` may come in any order.
 */
export function readNews2(observations: readonly SourcedObservation[], at: string, table: News2Table): News2Readings {
  const until = Date.parse(at);
  const since = until - table.maxAgeHours * 3_600_000;
  const newest = (codes: readonly string[]): SourcedObservation | undefined => {
    let best: SourcedObservation | undefined;
    let bestAt = Number.NEGATIVE_INFINITY;
    for (const o of observations) {
      if (!codes.includes(o.code.code) || o.value === null || o.status.toUpperCase() === 'X' || o.status.toUpperCase() === 'W') continue;
      const t = Date.parse(o.observedAt ?? '');
      if (Number.isNaN(t) || t > until || t < since || t <= bestAt) continue;
      best = o;
      bestAt = t;
    }
    return best;
  };
  const reading = <T>(o: SourcedObservation, value: T): Reading<T> => ({
    value,
    ...(o.units ? { units: o.units } : {}),
    ...(o.observedAt ? { observedAt: o.observedAt } : {}),
    ...(o.eventId ? { eventId: o.eventId } : {}),
  });
  const numeric = (codes: readonly string[]): Reading<number> | undefined => {
    const o = newest(codes);
    return o && typeof o.value === 'number' ? reading(o, o.value) : undefined;
  };

  const readings: News2Readings = {};
  const rr = numeric(table.respirationRate.loinc);
  if (rr) readings.respirationRate = rr;
  const spo2 = numeric(table.spo2.loinc);
  if (spo2) readings.spo2 = spo2;
  const sbp = numeric(table.systolicBp.loinc);
  if (sbp) readings.systolicBp = sbp;
  const pulse = numeric(table.pulse.loinc);
  if (pulse) readings.pulse = pulse;
  const temp = numeric(table.temperature.loinc);
  if (temp) {
    const celsius = toCelsius(temp.value, temp.units);
    if (celsius !== undefined) readings.temperature = { ...temp, value: celsius, units: 'Cel' };
  }
  const acvpu = newest(table.consciousness.loinc);
  if (acvpu && typeof acvpu.value === 'string') readings.consciousness = reading(acvpu, acvpu.value);

  // Oxygen: a flow above 0 or an inspired fraction above room air; the newer of the two decides.
  const flow = numeric(table.airOrOxygen.flowLoinc);
  const fio2 = numeric(table.airOrOxygen.fio2Loinc);
  const fromFlow = flow ? { ...flow, value: flow.value > 0 } : undefined;
  // FiO2 may be sent as a percentage or a fraction.
  const fromFio2 = fio2 ? { ...fio2, value: (fio2.value <= 1 ? fio2.value * 100 : fio2.value) > table.airOrOxygen.roomAirFio2Percent } : undefined;
  const onOxygen = [fromFlow, fromFio2].filter((r) => r !== undefined).sort((a, b) => Date.parse(b.observedAt ?? '') - Date.parse(a.observedAt ?? ''))[0];
  if (onOxygen) readings.onOxygen = onOxygen;
  return readings;
}

/** Celsius from Cel or [degF] (UCUM); undefined for other units. No units: Celsius, as charted in the LOINC's usual unit. */
function toCelsius(value: number, units: string | undefined): number | undefined {
  const u = (units ?? 'Cel').trim();
  if (u === 'Cel' || u === 'C' || u === '°C' || u === 'degC') return value;
  if (u === '[degF]' || u === 'F' || u === '°F' || u === 'degF') return ((value - 32) * 5) / 9;
  return undefined;
}

/** Scale 2 when a diagnosis of hypercapnic respiratory failure is on file (the table's list, by prefix). */
export function spo2Scale(icd10Codes: readonly string[], table: News2Table): SpO2Scale {
  for (const code of icd10Codes) {
    const c = normalizeIcd(code);
    if (table.scale2Diagnoses.some((p) => c.startsWith(p))) return { scale: 2, reason: `diagnosis ${code} (hypercapnic respiratory failure)` };
  }
  return { scale: 1 };
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

export function scoreNews2(readings: News2Readings, scale: SpO2Scale, table: News2Table): RiskScore {
  const components: ScoreComponent[] = [];
  const missing: string[] = [];
  const add = (id: string, name: string, r: Reading<number | string | boolean> | undefined, points: number | null, detail?: string, units?: string): void => {
    if (!r || points === null) missing.push(id);
    components.push({
      id,
      name,
      value: r?.value ?? null,
      ...(units ?? r?.units ? { units: (units ?? r?.units) as string } : {}),
      ...(r?.observedAt ? { observed_at: r.observedAt } : {}),
      ...(r?.eventId ? { source_event_id: r.eventId } : {}),
      points: r ? points : null,
      ...(detail ? { detail } : {}),
    });
  };
  const banded = (bands: Band[], r: Reading<number> | undefined): number | null => (r ? pointsIn(bands, r.value) : null);

  add('respiration_rate', table.respirationRate.name, readings.respirationRate, banded(table.respirationRate.bands, readings.respirationRate), undefined, '/min');

  const spo2 = readings.spo2;
  let spo2Points: number | null = null;
  let spo2Detail = scale.scale === 2 ? `scale 2: ${scale.reason ?? 'prescribed target 88-92%'}` : 'scale 1';
  if (spo2) {
    if (scale.scale === 1) spo2Points = pointsIn(table.spo2.scale1, spo2.value);
    else {
      const onAir = pointsIn(table.spo2.scale2OnAir, spo2.value);
      const onOxygen = pointsIn(table.spo2.scale2OnOxygen, spo2.value);
      // On scale 2, 93% or more scores by air or oxygen: unknown oxygen leaves it open.
      if (readings.onOxygen) spo2Points = readings.onOxygen.value ? onOxygen : onAir;
      else if (onAir === onOxygen) spo2Points = onAir;
      else spo2Detail += '; not scored: on scale 2 this value depends on air or oxygen, which is not charted';
    }
  }
  add('spo2', `${table.spo2.name} (scale ${scale.scale})`, spo2, spo2Points, spo2Detail, '%');

  const oxygen = readings.onOxygen;
  add('air_or_oxygen', table.airOrOxygen.name, oxygen, oxygen ? (oxygen.value ? table.airOrOxygen.oxygenPoints : 0) : null, oxygen ? (oxygen.value ? 'oxygen' : 'air') : undefined);
  add('systolic_bp', table.systolicBp.name, readings.systolicBp, banded(table.systolicBp.bands, readings.systolicBp), undefined, 'mm[Hg]');
  add('pulse', table.pulse.name, readings.pulse, banded(table.pulse.bands, readings.pulse), undefined, '/min');

  const c = readings.consciousness;
  const level = c?.value.trim().toLowerCase();
  const cPoints = level === undefined ? null : table.consciousness.alert.includes(level) ? 0 : table.consciousness.notAlert.includes(level) ? table.consciousness.notAlertPoints : null;
  add('consciousness', table.consciousness.name, c, cPoints, c && cPoints === null ? 'not scored: the value is not an ACVPU level' : undefined);

  const t = readings.temperature;
  const temperature = t ? { ...t, value: round1(t.value) } : undefined;
  add('temperature', table.temperature.name, temperature, banded(table.temperature.bands, temperature), undefined, 'Cel');

  const score = components.reduce((sum, x) => sum + (x.points ?? 0), 0);
  const red = components.some((x) => (x.points ?? 0) >= table.bands.singleParameterRed);
  const reached = score >= table.bands.highFrom ? 'high' : score >= table.bands.mediumFrom ? 'medium' : red ? 'low-medium' : 'low';
  const complete = missing.length === 0;
  // Missing parameters can only add points: a partial score already at "high" is high.
  const band = complete || reached === 'high' ? reached : null;
  return {
    score_id: 'news2',
    name: 'NEWS2',
    score,
    band,
    ...(band === null ? { band_at_least: reached } : {}),
    complete,
    missing,
    components,
    rule: { id: `news2:${table.name}`, version: table.version, source: citations(table.sources) },
    explanation: explain(score, band, reached, components, missing, table),
  };
}

function explain(score: number, band: string | null, reached: string, components: ScoreComponent[], missing: string[], table: News2Table): string {
  const parts = components
    .filter((c) => c.points !== null)
    .map((c) => `${c.name} ${typeof c.value === 'boolean' ? (c.value ? 'oxygen' : 'air') : String(c.value)}${c.units && typeof c.value === 'number' ? ` ${c.units}` : ''}: ${c.points}`);
  const head = band
    ? `NEWS2 ${score}${missing.length > 0 ? ' or more' : ''} (${band}): ${table.bands.responses[band]}.`
    : `NEWS2 at least ${score} (band at least ${reached}); the band cannot be given until the missing parameters are charted.`;
  return [head, parts.length > 0 ? `Scored: ${parts.join('; ')}.` : 'No vital signs charted in the last ' + `${table.maxAgeHours} h.`, missing.length > 0 ? `Missing: ${missing.join(', ')}.` : '']
    .filter((s) => s !== '')
    .join(' ');
}
