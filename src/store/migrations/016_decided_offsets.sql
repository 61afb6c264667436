-- How far each partition's decisions have been stored, per processor. Decisions are stored in the
-- commit round that also commits their offsets to Kafka, so a decision can outlive its offsets only
-- below this mark (a round whose Kafka transaction did not commit, or a replay to earlier offsets).
-- A worker given a partition looks stored decisions up for records below the mark only; above it a
-- record is new, and an event id seen before at another offset is caught when its decision is
-- inserted (the first decision stands).
CREATE TABLE decided_offsets (
  processor text NOT NULL,
  topic text NOT NULL,
  partition integer NOT NULL,
  next_offset bigint NOT NULL,
  PRIMARY KEY (processor, topic, partition)
);
