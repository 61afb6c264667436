-- Delivery is marked per commit round, not per decision: each round's decisions carry the round's
-- id, and one row here says that round's Kafka transaction committed. Updating every decision's
-- delivered_at after the commit wrote each row a second time, which cost a fifth of a worker's
-- time when every event had an output. delivered_at stays for rows marked before this.
CREATE SEQUENCE effect_rounds;
ALTER TABLE effects ADD COLUMN round_id bigint;
CREATE TABLE delivered_rounds (
  processor    text        NOT NULL,
  round_id     bigint      NOT NULL,
  delivered_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (processor, round_id)
);
