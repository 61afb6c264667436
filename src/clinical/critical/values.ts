// Observation values as numbers: NM values arrive as numbers, but some senders give numeric text
// ("6.3") or a bound (">600" when the analyser's range was exceeded). A bound is kept as a bound:
// it proves a limit was crossed only when the bound itself is beyond the limit.

export type Comparator = '<' | '<=' | '>' | '>=';

export interface NumericValue {
  value: number;
  /** Set when the result is a bound: the true value is `comparator value`. */
  comparator?: Comparator;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const BOUND = /^(<=|>=|<|>)\s*([+-]?(\d+(\.\d*)?|\.\d+))$/;

export function readNumeric(value: unknown): NumericValue | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? { value } : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (NUMBER.test(text)) return { value: Number(text) };
  const m = BOUND.exec(text);
  return m ? { value: Number(m[2]), comparator: m[1] as Comparator } : undefined;
}
