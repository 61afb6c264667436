// The generic findings of one result that no named pattern explained: outside its reference range
// (with its trend, when it has one), or inside it but moving one way over the last results.
import type { Observation } from '../../event/payloads.ts';
import { SYSTEM } from '../../event/payloads.ts';
import { resultStatus } from '../critical/evaluate.ts';
import type { FindingFacts, TestName, TrendFacts } from './facts.ts';
import { codesOf, valueUsed } from './facts.ts';
import { analyteCodes, canonicalUnits, currentReading, pastReadings, type Reading, type ResultSet, sameCode } from './readings.ts';
import { judgeRange } from './reference-range.ts';
import { analyteOfCode, type InterpretationRules } from './rules.ts';
import { seriesEndingAt, trendOf } from './trend.ts';

function testName(obs: Observation, rules: InterpretationRules): TestName {
  const analyte = obs.code.system === SYSTEM.loinc ? analyteOfCode(rules, obs.code.code) : undefined;
  if (analyte) return { display: analyte.display, plain: analyte.plain };
  return { display: obs.code.display ?? `Result (${obs.code.system === SYSTEM.loinc ? 'LOINC' : 'code'} ${obs.code.code})` };
}

/** This observation as a reading of its series (in its own units), with the series' earlier readings. */
function seriesOf(obs: Observation, index: number, set: ResultSet, rules: InterpretationRules): { reading: Reading; past: Reading[] } | undefined {
  if (!obs.units) return undefined;
  const analyte = obs.code.system === SYSTEM.loinc ? analyteOfCode(rules, obs.code.code) : undefined;
  const units = canonicalUnits(obs.units);
  const reading = currentReading(set, index, units, analyte ?? {});
  return reading ? { reading, past: pastReadings(set, analyte ? analyteCodes(analyte) : sameCode(obs.code), units, analyte ?? {}) } : undefined;
}

export function assessResult(obs: Observation, index: number, set: ResultSet, rules: InterpretationRules): FindingFacts[] {
  if (resultStatus(obs.status) === 'other' || obs.value === null || obs.value === undefined) return [];
  const judged = judgeRange(obs);
  const series = seriesOf(obs, index, set, rules);
  const trend: TrendFacts | undefined = series && rules.trend ? trendOf(series.reading, series.past, rules.trend) : undefined;
  const test = testName(obs, rules);
  const values = series ? [valueUsed('current', series.reading)] : [];
  const codes = series ? codesOf([series.reading]) : [{ system: obs.code.system, code: obs.code.code, ...(obs.code.display ? { display: obs.code.display } : {}) }];

  if (rules.range && (judged.status === 'low' || judged.status === 'high' || judged.status === 'abnormal')) {
    return [
      {
        rule: rules.range,
        severity: rules.range.severity[judged.critical ? 'critical-flag' : 'outside'],
        codes,
        values: values.length > 0 ? values : [{ role: 'current', code: obs.code, value: obs.value, units: obs.units ?? null, observedAt: obs.observedAt ?? set.eventTime, event_id: set.eventId }],
        facts: {
          kind: 'range',
          test,
          status: judged.status,
          basis: judged.basis === 'flag' ? 'flag' : 'range',
          value: obs.value,
          units: obs.units ?? null,
          ...(obs.referenceRange ? { range: obs.referenceRange } : {}),
          ...(judged.flag ? { flag: judged.flag } : {}),
          critical: judged.critical,
          ...(trend && trend.direction !== 'stable' ? { trend } : {}),
        },
        covers: [index],
      },
    ];
  }
  // A trend inside the range is worth naming only over the full series and only when it moves one way.
  if (rules.trend && series && trend && (trend.direction === 'rising' || trend.direction === 'falling') && trend.points >= rules.trend.points) {
    return [
      {
        rule: rules.trend,
        severity: rules.trend.severity,
        codes,
        values: seriesEndingAt(series.reading, series.past, rules.trend)
          .reverse()
          .map((r, i) => valueUsed(i === 0 ? 'current' : 'earlier', r)),
        facts: {
          kind: 'trend',
          test,
          value: { value: series.reading.value, units: series.reading.units },
          trend,
          ...(obs.referenceRange ? { range: obs.referenceRange } : {}),
        },
        covers: [index],
      },
    ];
  }
  return [];
}
