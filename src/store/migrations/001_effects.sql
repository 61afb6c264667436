-- Idempotency of effects (DESIGN invariant 2): one row per (processor, event_id). A processor's
-- decision is stored once; a replay reuses it instead of calling the processor (or an AI) again.
CREATE TABLE effects (
  processor   text        NOT NULL,
  event_id    text        NOT NULL,
  -- The output records the decision produced, re-sent as they are on replay.
  outputs     jsonb       NOT NULL,
  decided_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (processor, event_id)
);
