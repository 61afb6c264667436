// A small YAML emitter for the files vigil generates (Prometheus rules, promtool tests): block
// style, keys in insertion order, strings quoted only when a plain scalar could be misread. Same
// value, same bytes, so a generated file can be checked in and compared.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

// Words YAML 1.1 or 1.2 readers take for booleans or null when unquoted.
const RESERVED = /^(true|false|yes|no|on|off|y|n|null|~)$/i;
// Conservative plain scalars: identifiers, paths and words with single inner spaces, durations.
const PLAIN = /^(?:[A-Za-z_][A-Za-z0-9_./-]*(?: [A-Za-z0-9_./-]+)*|[0-9]+[smhdwy])$/;

function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('YAML: a number must be finite');
    return String(value);
  }
  if (PLAIN.test(value) && !RESERVED.test(value)) return value;
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u001f\u007f]/.test(value)) return `'${value.replaceAll("'", "''")}'`;
  return JSON.stringify(value); // JSON strings are valid YAML double-quoted scalars
}

function isBlock(value: YamlValue): value is YamlValue[] | { [key: string]: YamlValue } {
  if (Array.isArray(value)) return value.length > 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}

function inline(value: YamlValue): string {
  if (Array.isArray(value)) return '[]';
  if (typeof value === 'object' && value !== null) return '{}';
  return scalar(value);
}

function block(value: YamlValue[] | { [key: string]: YamlValue }): string[] {
  const out: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (!isBlock(item)) {
        out.push(`- ${inline(item)}`);
        continue;
      }
      const [first, ...rest] = block(item);
      out.push(`- ${first}`, ...rest.map((l) => `  ${l}`));
    }
    return out;
  }
  for (const [key, item] of Object.entries(value)) {
    if (isBlock(item)) out.push(`${scalar(key)}:`, ...block(item).map((l) => `  ${l}`));
    else out.push(`${scalar(key)}: ${inline(item)}`);
  }
  return out;
}

/** The value as a YAML document, ending in a newline. */
export function toYaml(value: YamlValue): string {
  return `${isBlock(value) ? block(value).join('\n') : inline(value)}\n`;
}
