-- The patient timeline: a projection of every input event, per patient and encounter, that
-- processors read their history from. Written by the patient-timeline consumer group; every row
-- carries the event it came from, and event ids make re-projection idempotent.
CREATE TABLE timeline_events (
  event_id      text        PRIMARY KEY,
  patient_id    text        NOT NULL,
  encounter_id  text,
  event_type    text        NOT NULL,
  event_time    timestamptz NOT NULL,
  projected_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX timeline_events_patient ON timeline_events (patient_id, event_time);

CREATE TABLE patients (
  patient_id  text        PRIMARY KEY,
  birth_date  date,
  sex         text,
  updated_at  timestamptz NOT NULL
);

CREATE TABLE encounters (
  encounter_id    text PRIMARY KEY,
  patient_id      text NOT NULL,
  class           text,
  status          text NOT NULL,             -- active | discharged
  admit_time      timestamptz,
  discharge_time  timestamptz,
  admission_type  text,
  last_event_time timestamptz NOT NULL
);
CREATE INDEX encounters_patient ON encounters (patient_id);

CREATE TABLE encounter_locations (
  encounter_id  text        NOT NULL,
  event_id      text        NOT NULL,
  location      jsonb       NOT NULL,
  since         timestamptz NOT NULL,
  PRIMARY KEY (encounter_id, event_id)
);

CREATE TABLE diagnoses (
  patient_id    text        NOT NULL,
  encounter_id  text,
  event_id      text        NOT NULL,
  system        text        NOT NULL,
  code          text        NOT NULL,
  display       text,
  type          text,
  recorded_at   timestamptz NOT NULL,
  PRIMARY KEY (event_id, system, code)
);
CREATE INDEX diagnoses_patient ON diagnoses (patient_id);

CREATE TABLE observations (
  patient_id     text        NOT NULL,
  encounter_id   text,
  event_id       text        NOT NULL,
  seq            integer     NOT NULL,
  system         text        NOT NULL,
  code           text        NOT NULL,
  observation    jsonb       NOT NULL,
  value_num      double precision,
  observed_at    timestamptz NOT NULL,
  placer_number  text,
  PRIMARY KEY (event_id, seq)
);
CREATE INDEX observations_patient ON observations (patient_id, observed_at DESC);

CREATE TABLE orders (
  patient_id     text        NOT NULL,
  encounter_id   text,
  event_id       text        PRIMARY KEY,
  placer_number  text,
  control        text        NOT NULL,
  system         text,
  code           text,
  ordered_at     timestamptz NOT NULL
);
CREATE INDEX orders_placer ON orders (patient_id, placer_number);

CREATE TABLE medications (
  patient_id     text        NOT NULL,
  encounter_id   text,
  event_id       text        PRIMARY KEY,
  placer_number  text,
  system         text        NOT NULL,
  code           text        NOT NULL,
  display        text,
  started_at     timestamptz NOT NULL,
  ended_at       timestamptz
);
CREATE INDEX medications_patient ON medications (patient_id);

CREATE TABLE coverage (
  patient_id  text        NOT NULL,
  event_id    text        NOT NULL,
  seq         integer     NOT NULL,
  coverage    jsonb       NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (event_id, seq)
);
CREATE INDEX coverage_patient ON coverage (patient_id, recorded_at DESC);

-- AI outputs per patient (alerts, findings, scores), for the dashboard and for processors' own
-- repeat suppression. Written with the decision, once per (processor, event).
CREATE TABLE ai_outputs (
  processor    text        NOT NULL,
  output_id    text        NOT NULL,
  patient_id   text        NOT NULL,
  event_id     text        NOT NULL,
  rule_id      text        NOT NULL,
  fingerprint  text,
  at           timestamptz NOT NULL,
  record       jsonb       NOT NULL,
  PRIMARY KEY (processor, output_id)
);
CREATE INDEX ai_outputs_patient ON ai_outputs (processor, patient_id, at DESC);
