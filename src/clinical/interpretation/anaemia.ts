// Anaemia by the WHO 2011 hemoglobin thresholds for people aged 15 and over (below 13.0 g/dL in
// men, 12.0 g/dL in women), classed by red cell size: MCV below 80 fL microcytic (iron deficiency
// first to consider), above 100 fL macrocytic. The MCV comes from the same report, else the latest
// one within the window. Sex unknown, or age below the WHO adult band: not judged (the thresholds
// differ and guessing would mislabel); pregnancy is not known here, so its lower threshold is not used.
import type { PatientHistory } from '../../processors/history.ts';
import { codesOf, type FindingFacts, timed, valueUsed, worst } from './facts.ts';
import { analyteCodes, currentReadings, DAY_MS, pastReadings, type Reading, type ResultSet } from './readings.ts';
import type { AnaemiaRule, Analyte, Morphology } from './rules.ts';

function nearestMcv(hb: Reading, set: ResultSet, mcv: Analyte, withinDays: number): (Reading & { sameEvent: boolean }) | undefined {
  const match = analyteCodes(mcv);
  const same = currentReadings(set, match, mcv.units, mcv)[0];
  if (same) return { ...same, sameEvent: true };
  const at = Date.parse(hb.observedAt);
  const earlier = pastReadings(set, match, mcv.units, mcv).find((r) => Math.abs(at - Date.parse(r.observedAt)) <= withinDays * DAY_MS);
  return earlier ? { ...earlier, sameEvent: false } : undefined;
}

function morphologyOf(rule: AnaemiaRule, mcv: Reading | undefined): Morphology {
  if (!mcv) return 'unclassified';
  if (mcv.value < rule.microcyticBelow) return 'microcytic';
  if (mcv.value > rule.macrocyticAbove) return 'macrocytic';
  return 'normocytic';
}

export function assessAnaemia(rule: AnaemiaRule, analytes: { hemoglobin: Analyte; mcv: Analyte }, set: ResultSet, patient: Pick<PatientHistory, 'age' | 'sex'>): FindingFacts | undefined {
  const { hemoglobin, mcv } = analytes;
  const sex = patient.sex;
  if (sex !== 'male' && sex !== 'female') return undefined;
  if (patient.age !== undefined && patient.age < rule.minAge) return undefined;
  const hb = currentReadings(set, analyteCodes(hemoglobin), hemoglobin.units, hemoglobin)[0];
  if (!hb) return undefined;
  const threshold = rule.thresholds[sex];
  if (!(hb.value < threshold)) return undefined;

  const grade = rule.grades.filter((g) => hb.value < g.below).at(-1);
  const size = nearestMcv(hb, set, mcv, rule.mcvWithinDays);
  const morphology = morphologyOf(rule, size);
  const used = [hb, ...(size ? [size] : [])];
  const covers = used.flatMap((r) => (r.index === undefined ? [] : [r.index]));
  return {
    rule,
    severity: worst(rule.severity[morphology], grade?.severity ?? 'info'),
    codes: codesOf(used),
    values: [valueUsed('hemoglobin', hb), ...(size ? [valueUsed('mcv', size)] : [])],
    facts: {
      kind: 'anaemia',
      test: { display: hemoglobin.display, plain: hemoglobin.plain },
      morphology,
      sex,
      hemoglobin: timed(hb),
      threshold: { value: threshold, units: hemoglobin.units },
      grade: grade?.grade ?? 'mild',
      ...(size ? { mcv: { ...timed(size), sameEvent: size.sameEvent } } : {}),
      mcvWithinDays: rule.mcvWithinDays,
      microcyticBelow: rule.microcyticBelow,
      macrocyticAbove: rule.macrocyticAbove,
    },
    covers,
  };
}
