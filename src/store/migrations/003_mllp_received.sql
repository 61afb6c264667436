-- HL7 v2 messages the gateway has written to Kafka, by sending facility and control id (MSH-4,
-- MSH-10): a retransmission is acknowledged again without a second event, across restarts.
CREATE TABLE mllp_received (
  sending_facility  text        NOT NULL,
  control_id        text        NOT NULL,
  events            integer     NOT NULL,
  received_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sending_facility, control_id)
);
