// Shared by the HL7 mapping tests: fixture loading (files store LF; HL7 separates segments with CR)
// and key functions simple enough to assert on (the gateway passes keyed hashes instead).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hl7MapperOptions } from '../../../src/gateway/hl7/options.ts';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'hl7');

export function fixture(name: string): string {
  return readFileSync(join(DIR, name), 'utf8').replace(/\r?\n/g, '\r');
}

export const options: Hl7MapperOptions = {
  patientKey: (id) => `pt:${id.authority ?? '-'}:${id.value}`,
  encounterKey: (visit, authority) => `enc:${authority ?? '-'}:${visit}`,
};

/** Replaces one field of the first segment with this id (MSH counts MSH-1 as the separator). */
export function setField(message: string, segment: string, field: number, value: string): string {
  const lines = message.split('\r');
  const i = lines.findIndex((l) => l.startsWith(`${segment}|`));
  if (i < 0) throw new Error(`no ${segment} segment`);
  const parts = (lines[i] ?? '').split('|');
  const index = segment === 'MSH' ? field - 1 : field;
  while (parts.length <= index) parts.push('');
  parts[index] = value;
  lines[i] = parts.join('|');
  return lines.join('\r');
}

export function withoutSegments(message: string, segment: string): string {
  return message
    .split('\r')
    .filter((l) => !l.startsWith(`${segment}|`))
    .join('\r');
}
