-- LLM answers, one per (processor, event_id, model): a replay or a retry after a crash reads the
-- answer instead of calling the endpoint again (invariant 2). Answers are PHI like ai_outputs.
CREATE TABLE llm_answers (
  processor          text        NOT NULL,
  event_id           text        NOT NULL,
  model              text        NOT NULL,
  answer             text        NOT NULL,
  prompt_tokens      integer     NOT NULL,
  completion_tokens  integer     NOT NULL,
  answered_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (processor, event_id, model)
);
