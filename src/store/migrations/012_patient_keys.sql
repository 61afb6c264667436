-- PHI encryption (DESIGN invariant 8): one data key per patient (by pseudonymous patient_id),
-- stored only wrapped by a key-encryption key (KEK). Forgetting a patient destroys the wrapped key
-- and keeps a tombstone, so their records still in Kafka are recognised as forgotten, not as
-- tampered with. A new key is made if the same patient comes back later.
CREATE TABLE patient_keys (
  key_id        text        PRIMARY KEY,
  patient_id    text        NOT NULL,
  -- Which KEK wrapped it (re-wrapped by `./vigil keys rotate`); null once destroyed.
  kek_id        text,
  wrapped_key   bytea,
  created_at    timestamptz NOT NULL DEFAULT now(),
  destroyed_at  timestamptz,
  CHECK ((destroyed_at IS NULL) = (wrapped_key IS NOT NULL AND kek_id IS NOT NULL))
);
-- At most one live key per patient: two gateways racing for a new patient agree on one.
CREATE UNIQUE INDEX patient_keys_live ON patient_keys (patient_id) WHERE destroyed_at IS NULL;

-- Audit of forgotten patients: who, when, the pseudonymous id and why. Never the MRN.
-- Append-only: updates and deletes are refused.
CREATE TABLE patient_forgotten (
  id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  patient_id      text        NOT NULL,
  forgotten_by    text        NOT NULL,
  reason          text        NOT NULL,
  forgotten_at    timestamptz NOT NULL DEFAULT now(),
  keys_destroyed  integer     NOT NULL,
  rows_deleted    integer     NOT NULL
);

CREATE FUNCTION patient_forgotten_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'patient_forgotten is append-only';
END;
$$;
CREATE TRIGGER patient_forgotten_append_only BEFORE UPDATE OR DELETE ON patient_forgotten
  FOR EACH ROW EXECUTE FUNCTION patient_forgotten_append_only();
