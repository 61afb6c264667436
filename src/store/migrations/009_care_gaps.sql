-- Care gaps per patient (ai-care-gap-detection). care_gap_patients holds each patient's state
-- version (the worker's decisions carry the whole state, and only a higher version replaces it, so
-- decisions stored out of order cannot move a patient back), the latest instant evaluated, and the
-- next wake time: the due sweeper emits a care_gap_due event for rows whose wake time has come
-- (wake_emitted_at marks that it did, until the state moves the wake time).
CREATE TABLE care_gap_patients (
  patient_id       text        PRIMARY KEY,
  version          bigint      NOT NULL,
  evaluated_at     timestamptz NOT NULL,
  wake_at          timestamptz,
  wake_rules       text[]      NOT NULL DEFAULT '{}',
  wake_emitted_at  timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX care_gap_patients_wake ON care_gap_patients (wake_at) WHERE wake_at IS NOT NULL AND wake_emitted_at IS NULL;

-- The open gaps (open or overdue) per patient; closed ones leave this table (their history is in
-- ai_outputs and on the ai-care-gaps topic).
CREATE TABLE care_gaps (
  patient_id    text        NOT NULL,
  gap_id        text        NOT NULL,
  gap_key       text        NOT NULL,
  rule_id       text        NOT NULL,
  rule_version  integer     NOT NULL,
  status        text        NOT NULL,   -- open | overdue
  encounter_id  text,
  opened_at     timestamptz NOT NULL,
  due_at        timestamptz NOT NULL,
  explanation   text        NOT NULL,
  PRIMARY KEY (patient_id, gap_id)
);
CREATE INDEX care_gaps_due ON care_gaps (status, due_at);
