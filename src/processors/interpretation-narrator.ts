// The LLM narrator of ai-result-interpretation: asks the model to reword each finding's two texts
// (clinician, plain language), grounded on the rules' facts and the deterministic drafts. The prompt
// is built from those structured facts (no names or identifiers by construction); unless the
// endpoint is BAA-covered, times become "day N" and age an age band, and the client scrubs every
// identifier of the patient from the text before it leaves. An answer that is not the expected
// JSON, or that names a number the facts do not hold, is refused (invalid_answer): the processor
// then keeps the deterministic text.
import type { LlmClient } from '../llm/client.ts';
import { LlmError } from '../llm/errors.ts';
import { type PhiContext, ageBandOfYears, deidentifyData, identityOf } from '../phi/deidentify.ts';
import type { InterpretationNarrator, Narration, NarrationRequest } from './result-interpretation.ts';

const SYSTEM_PROMPT = [
  'You reword laboratory findings for a hospital. Validated rules decided each finding; you only write its two texts.',
  'For each finding you get its facts and two accurate drafts. Write:',
  '- "clinician": one to three sentences for a physician: the values, the criteria met and the guideline named in the facts.',
  '- "plain": for the patient: short everyday sentences (6th to 8th grade reading level), only the one key value, no codes, no jargon; calm; say what the care team will do.',
  'Use only the facts and drafts. Do not add diagnoses, causes, values, dates or advice they do not contain. Copy numbers exactly.',
  'Never mention names, identifiers or calendar dates.',
  'Answer with JSON only, no other text: {"findings":[{"clinician":"...","plain":"..."}]}, one entry per finding, in the order given.',
].join('\n');

/** Longest text accepted per explanation: a longer one is not a rewording. */
const MAX_TEXT = 2_000;

/** The prompt's view of the patient and the findings: facts and drafts, nothing identifying. */
function promptData(request: NarrationRequest, baa: boolean, phi: PhiContext): { patient: Record<string, string | number>; findings: unknown[] } {
  const { history, findings } = request;
  const patient: Record<string, string | number> = {};
  if (history.sex) patient.sex = history.sex;
  if (history.age !== undefined) {
    const band = ageBandOfYears(history.age);
    if (baa) patient.age = history.age;
    else if (band) patient.ageBand = band;
  }
  const items = findings.map((f, i) => ({
    finding: i + 1,
    rule: f.rule.id,
    guideline: f.rule.source,
    severity: f.severity,
    facts: f.facts,
    draft_clinician: f.explanation_clinician,
    draft_plain: f.explanation_plain,
  }));
  return { patient, findings: baa ? items : (deidentifyData(items, phi) as unknown[]) };
}

const numbersIn = (text: string): number[] => (text.match(/\d+(?:\.\d+)?/g) ?? []).map(Number);

/** Reads the model's JSON (tolerating a code fence around it) and checks it against the prompt. */
export function parseNarrations(text: string, groundedOn: unknown[]): Narration[] {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(start, end + 1));
  } catch {
    throw new LlmError('invalid_answer');
  }
  const list = (parsed as { findings?: unknown } | null)?.findings;
  if (!Array.isArray(list) || list.length !== groundedOn.length) throw new LlmError('invalid_answer');
  return list.map((entry, i) => {
    const { clinician, plain } = (entry ?? {}) as { clinician?: unknown; plain?: unknown };
    if (typeof clinician !== 'string' || typeof plain !== 'string') throw new LlmError('invalid_answer');
    const texts = [clinician.trim(), plain.trim()];
    if (texts.some((t) => t === '' || t.length > MAX_TEXT)) throw new LlmError('invalid_answer');
    // Grounding: every number the model writes is one the prompt gave it (small counts aside).
    const known = new Set(numbersIn(JSON.stringify(groundedOn[i])));
    if (texts.some((t) => numbersIn(t).some((n) => !known.has(n) && !(Number.isInteger(n) && n <= 10)))) throw new LlmError('invalid_answer');
    return { clinician: texts[0] as string, plain: texts[1] as string };
  });
}

export function llmInterpretationNarrator(client: LlmClient): InterpretationNarrator {
  return {
    model: client.model,
    async narrate(request) {
      const { event } = request;
      const phi: PhiContext = { identity: identityOf(event.payload, [event.patient_id, event.encounter_id]), referenceTime: event.event_timestamp };
      const data = promptData(request, client.baa, phi);
      const answer = await client.complete({
        processor: request.processor,
        eventId: event.event_id,
        messages: [
          { role: 'system', content: SYSTEM_PROMPT },
          { role: 'user', content: JSON.stringify(data) },
        ],
        phi,
        maxTokens: Math.min(4_000, 400 * request.findings.length),
        ...(request.signal ? { signal: request.signal } : {}),
      });
      return parseNarrations(answer.text, data.findings);
    },
  };
}
