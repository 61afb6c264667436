// The LLM answer cache in the store (table llm_answers, migration 006). Written as soon as an
// answer arrives, outside the decision's transaction: a decision that fails later (or a crash
// before commit) finds the answer on its next try.
import type { CachedAnswer, LlmCache, LlmCacheKey } from '../llm/cache.ts';
import type { Sql } from './db.ts';

interface Row {
  answer: string;
  prompt_tokens: number;
  completion_tokens: number;
}

const toAnswer = (r: Row): CachedAnswer => ({ text: r.answer, promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens });

export function storeLlmCache(db: Sql): LlmCache {
  const get = async (key: LlmCacheKey): Promise<CachedAnswer | undefined> => {
    const [row] = await db.query<Row>(
      'SELECT answer, prompt_tokens, completion_tokens FROM llm_answers WHERE processor = $1 AND event_id = $2 AND model = $3',
      [key.processor, key.eventId, key.model],
    );
    return row ? toAnswer(row) : undefined;
  };
  return {
    get,
    async put(key, answer) {
      const [row] = await db.query<Row>(
        `INSERT INTO llm_answers (processor, event_id, model, answer, prompt_tokens, completion_tokens)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (processor, event_id, model) DO NOTHING
         RETURNING answer, prompt_tokens, completion_tokens`,
        [key.processor, key.eventId, key.model, answer.text, answer.promptTokens, answer.completionTokens],
      );
      // Nothing returned: another instance answered first, and its answer stands.
      return row ? toAnswer(row) : ((await get(key)) ?? answer);
    },
  };
}
