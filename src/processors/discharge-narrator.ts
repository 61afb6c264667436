// The LLM narrator of ai-discharge-summary: asks the model for a short account of the stay, written
// only from the deterministic summary's sections. Unless the endpoint is BAA-covered, the sections
// are de-identified first (times become "day N" from the discharge) and the client scrubs every
// identifier of the patient from the text before it leaves; the sections never hold a name or MRN
// anyway (they are built from codes, values and times). An answer that is not the expected JSON, or
// that names a number the sections do not hold, is refused (invalid_answer): the summary then goes
// out without a narrative.
import type { LlmClient } from '../llm/client.ts';
import { LlmError } from '../llm/errors.ts';
import { type PhiContext, deidentifyData, identityOf } from '../phi/deidentify.ts';
import type { DischargeNarrator } from './discharge-summary.ts';

const SYSTEM_PROMPT = [
  'You write the hospital-course narrative of a discharge summary for the clinicians who see the patient next.',
  'You get the summary\'s sections (reason for admission, diagnoses, results, medications, procedures, alerts, care gaps, follow-up) as lists of facts.',
  'Write two to five short paragraphs: why the patient came in, what was found and done, how medications changed, and what must be followed up.',
  'Use only these facts. Do not add diagnoses, causes, values, doses, dates or advice they do not contain. Copy numbers and units exactly.',
  'Never mention names, identifiers or calendar dates; refer to times as the facts give them.',
  'Answer with JSON only, no other text: {"paragraphs":["...","..."]}.',
].join('\n');

const MAX_PARAGRAPHS = 8;
const MAX_TEXT = 2_000;

const numbersIn = (text: string): number[] => (text.match(/\d+(?:\.\d+)?/g) ?? []).map(Number);

/** Reads the model's JSON (tolerating a code fence around it) and checks it against the prompt's facts. */
export function parseNarrative(text: string, groundedOn: unknown): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1));
  } catch {
    throw new LlmError('invalid_answer');
  }
  const list = (parsed as { paragraphs?: unknown } | null)?.paragraphs;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_PARAGRAPHS) throw new LlmError('invalid_answer');
  const paragraphs = list.map((p) => (typeof p === 'string' ? p.trim() : ''));
  if (paragraphs.some((p) => p === '' || p.length > MAX_TEXT)) throw new LlmError('invalid_answer');
  // Grounding: every number the model writes is one the facts gave it (small counts aside).
  const known = new Set(numbersIn(JSON.stringify(groundedOn)));
  if (paragraphs.some((p) => numbersIn(p).some((n) => !known.has(n) && !(Number.isInteger(n) && n <= 10)))) throw new LlmError('invalid_answer');
  return paragraphs;
}

export function llmDischargeNarrator(client: LlmClient): DischargeNarrator {
  return {
    model: client.model,
    async narrate({ processor, event, outline, signal }) {
      const phi: PhiContext = { identity: identityOf(event.payload, [event.patient_id, event.encounter_id]), referenceTime: event.event_timestamp };
      const sections = outline.map((s) => ({ section: s.title, facts: s.lines }));
      const data = client.baa ? sections : deidentifyData(sections, phi);
      const answer = await client.complete({
        processor,
        eventId: event.event_id,
        messages: [
          { role: 'system', content: SYSTEM_PROMPT },
          { role: 'user', content: JSON.stringify({ sections: data }) },
        ],
        phi,
        maxTokens: 1_500,
        ...(signal ? { signal } : {}),
      });
      return parseNarrative(answer.text, data);
    },
  };
}
