// Patient text from a finding's facts: short sentences in everyday words (aimed at a 6th-8th grade
// reading level), one number only (the key value), no codes, no names or identifiers, and no
// guideline jargon. What the care team will do is said plainly; urgency is said once, without alarm.
import type { AkiFacts, AnaemiaFacts, BandFacts, Facts, HyperkalaemiaFacts, RangeFacts, TestName, TrendOnlyFacts } from './facts.ts';
import { readNumeric } from '../critical/values.ts';
import { plainValue } from './format.ts';

const SOON = 'Your care team should look at this soon.';

function aki(f: AkiFacts): string {
  return [
    `Your creatinine level is ${plainValue(f.current.value, f.current.units)}.`,
    'Creatinine is a waste product that healthy kidneys filter out of the blood.',
    f.stage === 1 ? 'Your level has gone up since a recent test.' : 'Your level has gone up a lot since a recent test.',
    'This can mean your kidneys are suddenly not working as well as usual.',
    f.stage === 1 ? 'Your care team will look into the cause.' : SOON,
    'They may repeat this test and check your fluids and medicines.',
  ].join(' ');
}

function anaemia(f: AnaemiaFacts): string {
  const s = [
    `Your hemoglobin level is ${plainValue(f.hemoglobin.value, f.hemoglobin.units)}.`,
    'Hemoglobin carries oxygen in your blood, and this level is lower than normal.',
    'This is called anemia.',
  ];
  if (f.morphology === 'microcytic') s.push('Your red blood cells are also smaller than usual.', 'Low iron is a common cause of this.', 'Your care team may check your iron levels.');
  else if (f.morphology === 'macrocytic') {
    s.push('Your red blood cells are also larger than usual.', 'This can happen when the body is low on some vitamins, or with some medicines, alcohol, or liver or thyroid problems.', 'Your care team may order more tests to find the cause.');
  } else s.push('There are many possible causes.', 'Your care team will decide if more tests are needed.');
  if (f.grade === 'severe') s.push(SOON);
  return s.join(' ');
}

function hyponatraemia(f: BandFacts): string {
  const how = f.band === 'mild' ? 'a little low' : f.band === 'moderate' ? 'low' : 'very low';
  const s = [`Your sodium level is ${plainValue(f.value.value, f.value.units)}, which is ${how}.`];
  if (f.trend?.direction === 'falling') s.push('It has been going down over your last few tests.');
  s.push('Sodium is a salt that helps your body keep the right amount of water.');
  if (f.band === 'mild') s.push('A level like this often causes no symptoms.', 'Your care team will look at what may be causing it.');
  else if (f.band === 'moderate') s.push('Low sodium can cause headaches, an upset stomach, or confusion.', 'Your care team will look into the cause and may check it again.');
  else s.push('A level this low can be serious.', SOON, 'Tell them right away if you feel confused, very sleepy, or sick to your stomach.');
  return s.join(' ');
}

function hba1c(f: BandFacts): string {
  const s = [`Your A1C is ${plainValue(f.value.value, f.value.units)}.`, 'This test shows your average blood sugar over the past few months.'];
  if (f.band === 'diabetes-range') {
    if (f.knownDiabetes) s.push('This result is in the range seen with diabetes.', 'Your care team will look at it along with your diabetes care plan.');
    else s.push('This result is in the range seen with diabetes.', 'Your care team may repeat the test to be sure and will talk with you about what it means.');
  } else {
    s.push('This result is high.', 'It means your blood sugar has been high for a while.', 'Over time, high blood sugar can harm your eyes, kidneys, nerves, and heart.', 'Your care team will talk with you about changes that can help.');
  }
  return s.join(' ');
}

function hyperkalaemia(f: HyperkalaemiaFacts): string {
  return [
    `Your potassium level is ${plainValue(f.potassium.value, f.potassium.units)}, which is high.`,
    'Your creatinine, a kidney test, has also been going up.',
    'The kidneys remove extra potassium, so the two may be linked.',
    'A high potassium level can affect your heartbeat.',
    f.band === 'mild' ? 'Your care team will look at this and may repeat the tests.' : SOON,
  ].join(' ');
}

/** "Your result for potassium is 5.3 mmol/L", or, for a test the rules do not know, no name and no value. */
function lead(test: TestName, value: string): string {
  // A name with an aside ("creatinine, a kidney test") closes the aside before the verb.
  return test.plain ? `Your result for ${test.plain}${test.plain.includes(',') ? ',' : ''} is ${value}` : 'One of your test results';
}

function range(f: RangeFacts): string {
  const s: string[] = [];
  const numeric = readNumeric(f.value) !== undefined;
  if (f.status === 'abnormal' || !numeric) {
    s.push(`${f.test.plain ? `Your result for ${f.test.plain}` : 'One of your test results'} was marked as not normal by the lab.`);
  } else {
    const side = f.status === 'low' ? 'lower' : 'higher';
    s.push(f.test.plain ? `${lead(f.test, plainValue(f.value as number | string, f.units))}, which is ${side} than the usual range.` : `One of your test results is ${side} than the usual range.`);
  }
  if (f.trend?.direction === 'rising') s.push('It has been going up over your last few tests.');
  if (f.trend?.direction === 'falling') s.push('It has been going down over your last few tests.');
  s.push(f.critical ? SOON : 'Your care team will review it.');
  return s.join(' ');
}

function trend(f: TrendOnlyFacts): string {
  const way = f.trend.direction === 'rising' ? 'up' : 'down';
  if (!f.test.plain) return `One of your test results has been going ${way} over your last few tests. Your care team may keep an eye on it.`;
  const still = f.range ? ` It is still in the usual range, but it has been going ${way} over your last few tests.` : ` It has been going ${way} over your last few tests.`;
  return `${lead(f.test, plainValue(f.value.value, f.value.units))}.${still} Your care team may keep an eye on it.`;
}

/** The plain-language explanation of one finding. */
export function plainText(f: Facts): string {
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
