// The Charlson comorbidity index from ICD-10 diagnoses (Quan 2005 codes, Charlson 1987 weights).
// Each condition group counts once; the table's hierarchy drops the milder of a pair (diabetes
// without complications when complications are coded, and so on).
import { citations, type RiskScore, type ScoreComponent } from './score.ts';
import { type CharlsonCondition, type CharlsonTable, normalizeIcd } from './tables.ts';

export interface CharlsonResult {
  index: number;
  /** The conditions that count, with the codes that matched them. */
  conditions: { id: string; name: string; weight: number; codes: string[] }[];
  /** Conditions present but superseded by a more severe one. */
  superseded: { id: string; by: string }[];
}

function matches(condition: CharlsonCondition, code: string): boolean {
  return condition.codes.some((p) => {
    if (typeof p === 'string') return code.startsWith(p);
    const head = code.slice(0, p[0].length);
    return head.length === p[0].length && head >= p[0] && head <= p[1];
  });
}

export function charlsonIndex(icd10Codes: readonly string[], table: CharlsonTable): CharlsonResult {
  const found = new Map<string, string[]>();
  for (const raw of icd10Codes) {
    const code = normalizeIcd(raw);
    for (const condition of table.conditions) {
      if (!matches(condition, code)) continue;
      const codes = found.get(condition.id) ?? [];
      if (!codes.includes(raw)) codes.push(raw);
      found.set(condition.id, codes);
    }
  }
  const superseded: CharlsonResult['superseded'] = [];
  for (const { keep, drop } of table.hierarchy) {
    if (found.has(keep) && found.has(drop)) {
      found.delete(drop);
      superseded.push({ id: drop, by: keep });
    }
  }
  const conditions = table.conditions.filter((c) => found.has(c.id)).map((c) => ({ id: c.id, name: c.name, weight: c.weight, codes: found.get(c.id) ?? [] }));
  return { index: conditions.reduce((sum, c) => sum + c.weight, 0), conditions, superseded };
}

/** The index as a score of its own (given on admission and transfer). Bands are not part of Charlson 1987. */
export function charlsonScore(icd10Codes: readonly string[], table: CharlsonTable): RiskScore {
  const result = charlsonIndex(icd10Codes, table);
  const components: ScoreComponent[] = result.conditions.map((c) => ({ id: c.id, name: c.name, value: c.codes.join(', '), points: c.weight }));
  for (const s of result.superseded) components.push({ id: s.id, name: table.conditions.find((c) => c.id === s.id)?.name ?? s.id, value: null, points: 0, detail: `superseded by ${s.by}` });
  return {
    score_id: 'charlson',
    name: 'Charlson comorbidity index',
    score: result.index,
    band: bandOf(result.index),
    complete: true,
    missing: [],
    components,
    rule: { id: `charlson:${table.name}`, version: table.version, source: citations(table.sources) },
    explanation: explainCharlson(result, icd10Codes.length),
  };
}

// Charlson 1987 grouped index scores 0, 1-2, 3-4 and 5 or more (its Table 4 strata).
function bandOf(index: number): string {
  return index === 0 ? '0' : index <= 2 ? '1-2' : index <= 4 ? '3-4' : '5+';
}

export function explainCharlson(result: CharlsonResult, codesOnFile: number): string {
  if (codesOnFile === 0) return 'Charlson index 0: no ICD-10 diagnoses on file.';
  if (result.conditions.length === 0) return `Charlson index 0: none of the ${codesOnFile} ICD-10 diagnoses on file is a Charlson condition.`;
  const listed = result.conditions.map((c) => `${c.name} (${c.codes.join(', ')}) ${c.weight}`).join('; ');
  const over = result.superseded.length > 0 ? ` Not counted twice: ${result.superseded.map((s) => `${s.id} (within ${s.by})`).join(', ')}.` : '';
  return `Charlson index ${result.index}: ${listed}.${over}`;
}
