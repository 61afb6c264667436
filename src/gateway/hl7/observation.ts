// OBX to Observation: the value read by its value type (OBX-2), units, reference range, flags,
// status and time. A value that does not fit its declared type is an error (102), never a guess.
import type { Observation, ReferenceRange } from '../../event/payloads.ts';
import { coding } from './codes.ts';
import { addIssue, dateTime, literalText, parseNumber, repetitions, text, type MapContext } from './context.ts';
import { hl7Date, hl7DateTimeToUtc } from './datetime.ts';
import { HL7_ERROR } from './errors.ts';
import type { Segment } from './message.ts';

const CODED = new Set(['CE', 'CWE', 'CNE', 'CF']);
const SN_COMPARATORS = new Set(['', '=', '<', '>', '<=', '>=', '<>']);
const SN_SEPARATORS = new Set(['', '-', '+', '/', '.', ':']);
const INTERVAL = /^([+-]?(?:\d+\.?\d*|\.\d+))\s*(?:-|–|to)\s*([+-]?(?:\d+\.?\d*|\.\d+))$/i;
const BOUND = /^(<=?|>=?|≤|≥)\s*([+-]?(?:\d+\.?\d*|\.\d+))$/;

/**
 * One OBX. The status falls back to OBR-25 and the time to OBR-7; undefined when OBX-3 has no code
 * (the issue is recorded).
 */
export function readObservation(ctx: MapContext, obx: Segment, obr: Segment | undefined): Observation | undefined {
  const code = coding(ctx, obx, 3);
  if (!code) {
    addIssue(ctx, obx, 3, HL7_ERROR.requiredFieldMissing, 'observation identifier must have a code (CE.1)');
    return undefined;
  }
  const valueType = (text(ctx, obx, 2) ?? '').toUpperCase();
  const hasValue = repetitions(obx, 5) > 0;
  if (hasValue && valueType === '') {
    addIssue(ctx, obx, 2, HL7_ERROR.requiredFieldMissing, 'value type is required when OBX-5 has a value');
  }
  const status = text(ctx, obx, 11) ?? (obr ? text(ctx, obr, 25) : undefined);
  if (status === undefined) {
    addIssue(ctx, obx, 11, HL7_ERROR.requiredFieldMissing, 'observation result status is required (or OBR-25)');
  }
  const observation: Observation = {
    code,
    value: hasValue && valueType !== '' ? readValue(ctx, obx, valueType) : null,
    valueType,
    abnormalFlags: readFlags(ctx, obx),
    status: status ?? '',
  };
  const units = text(ctx, obx, 6) ?? text(ctx, obx, 6, 2);
  if (units !== undefined) observation.units = units;
  const range = readRange(literalText(ctx, obx, 7));
  if (range) observation.referenceRange = range;
  const observedAt = dateTime(ctx, obx, 14) ?? (obr ? dateTime(ctx, obr, 7) : undefined);
  if (observedAt !== undefined) observation.observedAt = observedAt;
  return observation;
}

function readValue(ctx: MapContext, obx: Segment, valueType: string): number | string | null {
  switch (valueType) {
    case 'NM': {
      const raw = text(ctx, obx, 5);
      if (raw === undefined) return null;
      const n = parseNumber(raw);
      if (n === undefined) addIssue(ctx, obx, 5, HL7_ERROR.dataType, 'NM value must be a number (use SN for comparators and ranges)');
      return n ?? null;
    }
    case 'SN':
      return readStructuredNumeric(ctx, obx);
    case 'TS':
    case 'DTM':
    case 'DT':
      return readTime(ctx, obx, valueType);
  }
  const lines: string[] = [];
  const count = repetitions(obx, 5);
  for (let rep = 0; rep < count; rep++) {
    // Coded values read as their text, else their code; everything else as the literal text sent.
    const line = CODED.has(valueType) ? (text(ctx, obx, 5, 2, rep) ?? text(ctx, obx, 5, 1, rep)) : literalText(ctx, obx, 5, rep);
    if (line !== undefined) lines.push(line);
  }
  return lines.length > 0 ? lines.join('\n') : null;
}

/**
 * SN is comparator^num1^separator^num2. A plain number ("^5", "=^5") is a number; a comparison
 * ("<^5"), range ("^10^-^20"), ratio ("^1^:^128") or category ("^2^+") is kept as its text ("<5",
 * "10-20", "1:128", "2+"): turning "<5" into 5 would make a limit look like a measurement.
 */
function readStructuredNumeric(ctx: MapContext, obx: Segment): number | string | null {
  const comparator = text(ctx, obx, 5, 1) ?? '';
  const num1 = text(ctx, obx, 5, 2) ?? '';
  const separator = text(ctx, obx, 5, 3) ?? '';
  const num2 = text(ctx, obx, 5, 4) ?? '';
  if (comparator === '' && num1 === '' && separator === '' && num2 === '') return null;
  const valid =
    SN_COMPARATORS.has(comparator) &&
    SN_SEPARATORS.has(separator) &&
    (num1 === '' || parseNumber(num1) !== undefined) &&
    (num2 === '' || parseNumber(num2) !== undefined) &&
    (num1 !== '' || num2 !== '');
  if (!valid) {
    addIssue(ctx, obx, 5, HL7_ERROR.dataType, 'SN value must be comparator^number^separator^number');
    return null;
  }
  if ((comparator === '' || comparator === '=') && separator === '' && num2 === '') return parseNumber(num1) ?? null;
  return `${comparator === '=' ? '' : comparator}${num1}${separator}${num2}`;
}

function readTime(ctx: MapContext, obx: Segment, valueType: string): string | null {
  const raw = text(ctx, obx, 5);
  if (raw === undefined) return null;
  const value = valueType === 'DT' ? hl7Date(raw) : hl7DateTimeToUtc(raw, ctx.zone);
  if (value === undefined) addIssue(ctx, obx, 5, HL7_ERROR.dataType, `${valueType} value must be an HL7 date/time`);
  return value ?? null;
}

function readFlags(ctx: MapContext, obx: Segment): string[] {
  const flags: string[] = [];
  const count = repetitions(obx, 8);
  for (let rep = 0; rep < count; rep++) {
    const flag = text(ctx, obx, 8, 1, rep);
    if (flag !== undefined) flags.push(flag);
  }
  return flags;
}

/** OBX-7 as sent, plus low/high when it is a simple interval ("3.5-5.1") or bound ("<200", ">60"). */
export function readRange(sent: string | undefined): ReferenceRange | undefined {
  if (sent === undefined) return undefined;
  const range: ReferenceRange = {};
  const interval = INTERVAL.exec(sent);
  const bound = BOUND.exec(sent);
  if (interval) {
    const low = Number(interval[1]);
    const high = Number(interval[2]);
    if (low <= high) {
      range.low = low;
      range.high = high;
    }
  } else if (bound) {
    const limit = Number(bound[2]);
    if (bound[1]?.startsWith('<') || bound[1] === '≤') range.high = limit;
    else range.low = limit;
  }
  range.text = sent;
  return range;
}
