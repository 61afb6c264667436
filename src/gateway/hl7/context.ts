// What every segment reader needs (delimiters, site time zone, the local code system) and the small
// accessors they share. Every accessor decodes escapes, reads the HL7 null ("") as absent, and
// records a located issue instead of throwing, so one pass reports every problem of a message.
import type { Hl7Field } from '@medplum/core';
import { hl7DateTimeToUtc, type SiteTimeZone } from './datetime.ts';
import { decodeEscapes, type Delimiters } from './escape.ts';
import { HL7_ERROR, type Hl7AckErrorCode, type Hl7ErrorCode, type Hl7Issue } from './errors.ts';
import type { Segment } from './message.ts';

export interface MapContext {
  delimiters: Delimiters;
  zone: SiteTimeZone;
  /** Code system URI for codes in the sender's own (local) systems. */
  localSystem: string;
  issues: Hl7Issue[];
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;

export function addIssue(
  ctx: MapContext,
  seg: Segment | string,
  field: number | undefined,
  hl7ErrorCode: Hl7ErrorCode,
  rule: string,
  code: Hl7AckErrorCode = 'AE',
): void {
  const issue: Hl7Issue =
    typeof seg === 'string'
      ? { segment: seg, code, hl7ErrorCode, rule }
      : { segment: seg.name, sequence: seg.sequence, code, hl7ErrorCode, rule };
  if (field !== undefined) {
    issue.field = `${issue.segment}-${field}`;
    issue.position = field;
  }
  // A segment shared by several events (PID, PV1) is read once per event: report its problem once.
  const same = (i: Hl7Issue): boolean =>
    i.segment === issue.segment && i.sequence === issue.sequence && i.field === issue.field && i.rule === issue.rule;
  if (!ctx.issues.some(same)) ctx.issues.push(issue);
}

function rawField(seg: Segment, field: number): Hl7Field | undefined {
  // getField returns undefined past the last field, whatever its declared type says.
  return seg.raw.getField(field) as Hl7Field | undefined;
}

function rawComponent(seg: Segment, field: number, component: number, rep: number): string {
  return rawField(seg, field)?.components[rep]?.[component - 1] ?? '';
}

function clean(ctx: MapContext, raw: string): string | undefined {
  if (raw === '' || raw === '""') return undefined;
  const value = decodeEscapes(raw, ctx.delimiters).trim();
  return value === '' ? undefined : value;
}

/** Number of repetitions of a field (0 when it is empty). */
export function repetitions(seg: Segment, field: number): number {
  const reps = rawField(seg, field)?.components ?? [];
  return reps.length === 1 && reps[0]?.every((c) => c === '') ? 0 : reps.length;
}

/** One subcomponent (the first unless told) of one component of one repetition, decoded. */
export function text(ctx: MapContext, seg: Segment, field: number, component = 1, rep = 0, sub = 0): string | undefined {
  return clean(ctx, rawComponent(seg, field, component, rep).split(ctx.delimiters.subcomponent)[sub] ?? '');
}

/**
 * A whole repetition as literal text: components and subcomponents decoded and joined back with the
 * sender's delimiters, for text types whose senders did not escape a stray "^".
 */
export function literalText(ctx: MapContext, seg: Segment, field: number, rep = 0): string | undefined {
  const { component, subcomponent } = ctx.delimiters;
  const comps = [...(rawField(seg, field)?.components[rep] ?? [])];
  // Trailing empty components are padding, not text.
  while (comps.length > 0 && comps.at(-1) === '') comps.pop();
  if (comps.length === 1 && comps[0] === '""') return undefined;
  const value = comps
    .map((c) => c.split(subcomponent).map((s) => decodeEscapes(s, ctx.delimiters)).join(subcomponent))
    .join(component)
    .trim();
  return value === '' ? undefined : value;
}

/** Like text, but a missing value is recorded as HL7 error 101 at that field. */
export function requiredText(ctx: MapContext, seg: Segment, field: number, rule: string, component = 1): string | undefined {
  const value = text(ctx, seg, field, component);
  if (value === undefined) addIssue(ctx, seg, field, HL7_ERROR.requiredFieldMissing, rule);
  return value;
}

/** An HL7 date/time as UTC ISO 8601; an unparseable one is recorded as HL7 error 102. */
export function dateTime(ctx: MapContext, seg: Segment, field: number, component = 1, rep = 0, sub = 0): string | undefined {
  const value = text(ctx, seg, field, component, rep, sub);
  if (value === undefined) return undefined;
  const iso = hl7DateTimeToUtc(value, ctx.zone);
  if (iso === undefined) {
    addIssue(ctx, seg, field, HL7_ERROR.dataType, 'must be an HL7 date/time: YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]');
  }
  return iso;
}

/** A decimal number (HL7 NM); anything else is recorded as HL7 error 102. */
export function numeric(ctx: MapContext, seg: Segment, field: number, component = 1, rule = 'must be a number (NM)'): number | undefined {
  const value = text(ctx, seg, field, component);
  if (value === undefined) return undefined;
  const n = parseNumber(value);
  if (n === undefined) addIssue(ctx, seg, field, HL7_ERROR.dataType, rule);
  return n;
}

export function parseNumber(value: string): number | undefined {
  return NUMBER.test(value) ? Number(value) : undefined;
}
