-- How far the audit log has been relayed to the audit topic (an outbox: rows are written to the
-- store where the action happens, then copied to Kafka in id order, at least once).
CREATE TABLE audit_relay (
  topic   text   PRIMARY KEY,
  last_id bigint NOT NULL
);
