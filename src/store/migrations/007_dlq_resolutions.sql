-- The dead-letter topic is a log and is never changed: what people did with its entries is kept
-- here. One row per entry: its latest resolution (an entry replayed after a purge shows replayed).
CREATE TABLE dlq_resolutions (
  dlq_topic     text        NOT NULL,
  dlq_partition integer     NOT NULL,
  dlq_offset    bigint      NOT NULL,
  action        text        NOT NULL CHECK (action IN ('replayed', 'released', 'purged')),
  resolved_at   timestamptz NOT NULL DEFAULT now(),
  resolved_by   text        NOT NULL,
  PRIMARY KEY (dlq_topic, dlq_partition, dlq_offset)
);

-- Who did what to which target, and why: payload views, replays, releases, purges. Append-only:
-- rows are never updated or deleted (a trigger refuses it). No PHI: targets are DLQ refs and ids.
CREATE TABLE audit_log (
  id     bigserial   PRIMARY KEY,
  at     timestamptz NOT NULL DEFAULT now(),
  actor  text        NOT NULL,
  action text        NOT NULL,
  target text        NOT NULL,
  reason text
);
CREATE INDEX audit_log_at ON audit_log (at DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
