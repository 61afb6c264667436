// Observation to the payload's Observation: code, value by its value[x] kind, units, reference
// range, interpretation flags, status and time. Components (a blood pressure's systolic and
// diastolic) follow as observations of their own, with the parent's status and time.
import type { Observation, ReferenceRange } from '../../event/payloads.ts';
import { SYSTEM } from '../../event/payloads.ts';
import { codings, LOCAL_SYSTEM, preferredCoding } from './codes.ts';
import { dateTime } from './datetime.ts';
import type { FhirNode } from './node.ts';

/** FHIR observation-status to HL7 table 0085 result status. */
export const OBSERVATION_STATUS: Record<string, string> = {
  registered: 'I',
  preliminary: 'P',
  final: 'F',
  amended: 'C',
  corrected: 'C',
  cancelled: 'X',
  'entered-in-error': 'W',
};

// The interpretation systems whose codes are HL7 abnormal flags (table 0078 is their v2 origin).
const FLAG_SYSTEMS = new Set(['http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', 'http://terminology.hl7.org/CodeSystem/v2-0078']);
// Sent without a system, only the common flags are taken as flags.
const BARE_FLAGS = new Set(['H', 'L', 'HH', 'LL', 'A', 'AA', 'N']);

const UNSUPPORTED_VALUES = ['valueSampledData', 'valuePeriod', 'valueAttachment'];

interface Measured {
  code: Observation['code'];
  value: number | string | null;
  valueType: string;
  units?: string;
  referenceRange?: ReferenceRange;
  abnormalFlags: string[];
}

/** The observation and its components; undefined when its code or status is unusable (issue recorded). */
export function readObservations(node: FhirNode): Observation[] | undefined {
  const main = readMeasured(node);
  const statusText = node.str('status');
  const status = statusText === undefined ? undefined : OBSERVATION_STATUS[statusText];
  if (statusText === undefined) node.issue('required', 'status is required', 'status');
  else if (status === undefined) node.issue('value', `status must be one of ${Object.keys(OBSERVATION_STATUS).join(', ')}`, 'status');
  const observedAt = effectiveTime(node);
  const components = node.arr('component').map(readMeasured);
  if (!main || status === undefined || components.some((c) => c === undefined)) return undefined;
  const finish = (m: Measured): Observation => (observedAt === undefined ? { ...m, status } : { ...m, status, observedAt });
  return [finish(main), ...(components as Measured[]).map(finish)];
}

/** When the observation was made (effective[x]), for the event time. */
export function effectiveTime(node: FhirNode): string | undefined {
  return dateTime(node, 'effectiveDateTime') ?? dateTime(node.obj('effectivePeriod'), 'start') ?? dateTime(node, 'effectiveInstant');
}

function readMeasured(node: FhirNode): Measured | undefined {
  const code = preferredCoding(node.obj('code'), [SYSTEM.loinc, SYSTEM.snomed]);
  if (!code) node.issue('required', 'code must have a coding with a code', 'code');
  const value = readValue(node);
  const measured: Measured | undefined = code && { code, value: value.value, valueType: value.valueType, abnormalFlags: readFlags(node) };
  if (!measured) return undefined;
  if (value.units !== undefined) measured.units = value.units;
  const range = readRange(node.arr('referenceRange')[0]);
  if (range) measured.referenceRange = range;
  return measured;
}

interface Value {
  value: number | string | null;
  valueType: string;
  units?: string;
}

/**
 * value[x] by its kind. A Quantity with a comparator ("<5") stays text: turning it into 5 would make
 * a limit look like a measurement. No value (dataAbsentReason, or none yet) is null.
 */
function readValue(node: FhirNode): Value {
  const unsupported = UNSUPPORTED_VALUES.find((k) => node.has(k));
  if (unsupported !== undefined) {
    node.issue('not-supported', 'this value[x] kind is not supported (Quantity, CodeableConcept, string, boolean, integer, Range, Ratio, time, dateTime are)', unsupported);
    return { value: null, valueType: '' };
  }
  const quantity = node.obj('valueQuantity');
  if (quantity) {
    const n = quantity.num('value');
    const comparator = quantity.str('comparator');
    const out: Value = { value: n === undefined ? null : comparator ? `${comparator}${n}` : n, valueType: 'Quantity' };
    const units = quantity.str('unit') ?? quantity.str('code');
    if (units !== undefined) out.units = units;
    return out;
  }
  const concept = node.obj('valueCodeableConcept');
  if (concept) {
    const first = codings(concept)[0];
    return { value: concept.str('text') ?? first?.display ?? first?.code ?? null, valueType: 'CodeableConcept' };
  }
  if (node.has('valueString')) return { value: node.str('valueString') ?? null, valueType: 'string' };
  if (node.has('valueBoolean')) {
    const b = node.bool('valueBoolean');
    return { value: b === undefined ? null : String(b), valueType: 'boolean' };
  }
  if (node.has('valueInteger')) return { value: node.num('valueInteger') ?? null, valueType: 'integer' };
  if (node.has('valueTime')) return { value: node.str('valueTime') ?? null, valueType: 'time' };
  if (node.has('valueDateTime')) return { value: dateTime(node, 'valueDateTime') ?? null, valueType: 'dateTime' };
  const range = node.obj('valueRange');
  if (range) {
    const low = range.obj('low');
    const high = range.obj('high');
    const text = `${low?.num('value') ?? ''}-${high?.num('value') ?? ''}`;
    const out: Value = { value: text === '-' ? null : text, valueType: 'Range' };
    const units = low?.str('unit') ?? high?.str('unit');
    if (units !== undefined) out.units = units;
    return out;
  }
  const ratio = node.obj('valueRatio');
  if (ratio) {
    const n = ratio.obj('numerator')?.num('value');
    const d = ratio.obj('denominator')?.num('value');
    return { value: n === undefined || d === undefined ? null : `${n}:${d}`, valueType: 'Ratio' };
  }
  return { value: null, valueType: '' };
}

function readFlags(node: FhirNode): string[] {
  const flags: string[] = [];
  for (const concept of node.arr('interpretation')) {
    for (const c of codings(concept)) {
      if (FLAG_SYSTEMS.has(c.system) || (c.system === LOCAL_SYSTEM && BARE_FLAGS.has(c.code))) flags.push(c.code);
    }
  }
  return flags;
}

/** The first referenceRange (FHIR may give several, by age or condition): low, high, text. */
function readRange(node: FhirNode | undefined): ReferenceRange | undefined {
  if (!node) return undefined;
  const range: ReferenceRange = {};
  const low = node.obj('low')?.num('value');
  if (low !== undefined) range.low = low;
  const high = node.obj('high')?.num('value');
  if (high !== undefined) range.high = high;
  const text = node.str('text');
  if (text !== undefined) range.text = text;
  return Object.keys(range).length > 0 ? range : undefined;
}
