-- When a decision's output records were committed to Kafka (invariant 2 across replays): a replay
-- or a late duplicate of the event reuses the decision and does not send its outputs a second time.
-- Null: decided but not known to be delivered (a crash between the store and the Kafka commit),
-- so the outputs are sent with the next commit of that event.
ALTER TABLE effects ADD COLUMN delivered_at timestamptz;
