-- Keys held by the hold-key dead-letter policy: a patient whose event failed is parked in its
-- group until the failed entry is replayed or released; their later events wait in the DLQ.
CREATE TABLE parked_keys (
  group_id          text        NOT NULL,
  record_key        text        NOT NULL,
  source_topic      text        NOT NULL,
  source_partition  integer     NOT NULL,
  source_offset     bigint      NOT NULL,
  parked_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, record_key)
);
