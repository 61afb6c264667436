// Clinician text from a finding's facts: the values, thresholds and times that decided it, in the
// terms of the guideline it cites. Deterministic: the same facts always give the same words.
import type { AkiFacts, AnaemiaFacts, BandFacts, Facts, HyperkalaemiaFacts, RangeFacts, TrendFacts, TrendOnlyFacts } from './facts.ts';
import { fmt, hoursApart, q, rangeText, span, withUnits } from './format.ts';

function trendSentence(t: TrendFacts, lead = 'It has been'): string {
  const verb = t.direction === 'rising' ? 'rising' : t.direction === 'falling' ? 'falling' : 'variable';
  return `${lead} ${verb} over the last ${t.points} results (${fmt(t.first.value)} to ${q(t.last)} in ${span(t.hours)}).`;
}

function aki(f: AkiFacts): string {
  const s = [`${f.test.display} ${q(f.current)} meets the KDIGO 2012 creatinine criteria for acute kidney injury, stage ${f.stage}.`];
  s.push(
    `It is ${fmt(f.ratio)} times the baseline of ${q(f.baseline)}, the lowest value of the previous ${fmt(f.baselineDays)} days (${span(hoursApart(f.baseline.observedAt, f.current.observedAt))} earlier)${f.criteria.includes('ratio-baseline') ? '' : ', below the 1.5 times criterion'}.`,
  );
  if (f.rise && f.criteria.includes('rise-48h')) {
    s.push(
      `It rose by ${withUnits(fmt(f.rise.change), f.current.units)} from ${q(f.rise.from)} ${span(hoursApart(f.rise.from.observedAt, f.current.observedAt))} earlier (criterion: a rise of ${withUnits(fmt(f.rise.threshold), f.current.units)} or more within ${fmt(f.rise.withinHours)} h).`,
    );
  }
  if (f.stage3ByValue) s.push(`Stage 3 because the value is ${withUnits(fmt(f.stage3AtOrAbove), f.current.units)} or more.`);
  s.push('Urine output criteria were not assessed.');
  return s.join(' ');
}

function anaemia(f: AnaemiaFacts): string {
  const who = f.sex === 'male' ? 'men' : 'non-pregnant women';
  const s = [`${f.test.display} ${q(f.hemoglobin)} is below the WHO anaemia threshold of ${q(f.threshold)} for ${who} (${f.grade} by WHO grade).`];
  const where = f.mcv ? (f.mcv.sameEvent ? 'same report' : `${span(hoursApart(f.mcv.observedAt, f.hemoglobin.observedAt))} earlier`) : '';
  const mcv = f.mcv ? `MCV ${q(f.mcv)} (${where})` : '';
  if (f.morphology === 'microcytic') {
    s.push(`${mcv} is below ${fmt(f.microcyticBelow)} fL: microcytic anaemia. Iron deficiency is the first cause to consider (ferritin, iron studies); thalassaemia trait and anaemia of chronic disease are the main alternatives.`);
  } else if (f.morphology === 'macrocytic') {
    s.push(`${mcv} is above ${fmt(f.macrocyticAbove)} fL: macrocytic anaemia. Consider vitamin B12 and folate deficiency, alcohol, medications, liver disease and hypothyroidism.`);
  } else if (f.morphology === 'normocytic') {
    s.push(`${mcv} is within ${fmt(f.microcyticBelow)}-${fmt(f.macrocyticAbove)} fL: normocytic anaemia.`);
  } else {
    s.push(`No MCV within ${fmt(f.mcvWithinDays)} days to classify it by red cell size.`);
  }
  return s.join(' ');
}

function bandEdges(direction: 'below' | 'atOrAbove', threshold: number, next: number | undefined, u: string): string {
  if (direction === 'below') return next === undefined ? `below ${withUnits(fmt(threshold), u)}` : `${withUnits(fmt(next), u)} to below ${withUnits(fmt(threshold), u)}`;
  return next === undefined ? `${withUnits(fmt(threshold), u)} or more` : `${withUnits(fmt(threshold), u)} to below ${withUnits(fmt(next), u)}`;
}

function hyponatraemia(f: BandFacts): string {
  const s = [`${f.test.display} ${q(f.value)}: ${f.band} hyponatraemia (${bandEdges(f.direction, f.threshold, f.nextThreshold, f.value.units)}) by the 2014 European clinical practice guideline.`];
  if (f.trend) s.push(trendSentence(f.trend));
  if (f.band === 'profound') s.push('Assess for symptoms (vomiting, confusion, drowsiness, seizures) without delay.');
  return s.join(' ');
}

function hba1c(f: BandFacts): string {
  const s: string[] = [];
  if (f.band === 'diabetes-range') {
    s.push(`${f.test.display} ${q(f.value)} is in the diabetes range (${withUnits(fmt(f.threshold), f.value.units)} or more, ADA Standards of Care).`);
    s.push(
      f.knownDiabetes
        ? 'A diabetes diagnosis is on record: review against the individual glycaemic goal.'
        : 'No diabetes diagnosis is on record: without unequivocal hyperglycaemia, ADA requires a second abnormal result to make the diagnosis.',
    );
  } else {
    s.push(`${f.test.display} ${q(f.value)} is at or above ${withUnits(fmt(f.threshold), f.value.units)}, the site's poor-control cut-off (ADA glycaemic goals are individual).`);
    s.push(f.knownDiabetes ? 'A diabetes diagnosis is on record: review the treatment plan.' : 'No diabetes diagnosis is on record; the value is well within the diabetes range.');
  }
  if (f.trend) s.push(trendSentence(f.trend));
  return s.join(' ');
}

function hyperkalaemia(f: HyperkalaemiaFacts): string {
  const c = f.creatinine;
  return [
    `${f.test.display} ${q(f.potassium)}: ${f.band} hyperkalaemia (${bandEdges('atOrAbove', f.threshold, f.nextThreshold, f.potassium.units)}, UK Kidney Association bands) with a rising creatinine, ${fmt(c.first.value)} to ${q(c.last)} over ${c.points} results in ${span(c.hours)}${f.aki ? ', meeting the KDIGO AKI criteria' : ''}.`,
    'Falling renal potassium clearance may keep it rising: review potassium-raising medicines and repeat the potassium.',
  ].join(' ');
}

const FLAG_MEANING: Record<string, string> = {
  L: 'low',
  H: 'high',
  LL: 'critical low',
  HH: 'critical high',
  A: 'abnormal',
  AA: 'critical abnormal',
  '<': 'below the absolute low',
  '>': 'above the absolute high',
};

function range(f: RangeFacts): string {
  const value = withUnits(String(f.value ?? ''), f.units).trim();
  const s: string[] = [];
  if (f.basis === 'range' && f.range) {
    s.push(`${f.test.display} ${value} is ${f.status === 'low' ? 'below' : 'above'} the reference range ${rangeText(f.range, f.units)}.`);
    if (f.flag) s.push(`The laboratory flagged it ${FLAG_MEANING[f.flag] ?? f.flag} (${f.flag}).`);
  } else {
    s.push(`${f.test.display}${value ? ` ${value}` : ''} was flagged ${f.flag ? `${FLAG_MEANING[f.flag] ?? f.flag} (${f.flag})` : f.status} by the laboratory.`);
  }
  if (f.trend) s.push(trendSentence(f.trend));
  return s.join(' ');
}

function trend(f: TrendOnlyFacts): string {
  const within = f.range ? ` is within the reference range (${rangeText(f.range, f.value.units)}) but` : '';
  return trendSentence(f.trend, `${f.test.display} ${q(f.value)}${within} has been`);
}

/** The clinician explanation of one finding. */
export function clinicianText(f: Facts): string {
  switch (f.kind) {
    case 'aki':
      return aki(f);
    case 'anaemia':
      return anaemia(f);
    case 'hyponatraemia':
      return hyponatraemia(f);
    case 'hba1c':
      return hba1c(f);
    case 'hyperkalaemia-rising-creatinine':
      return hyperkalaemia(f);
    case 'range':
      return range(f);
    case 'trend':
      return trend(f);
  }
}
