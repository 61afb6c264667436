-- For the discharge summary, which reads a whole encounter at once: its diagnoses, results, orders
-- and medications, and the AI outputs of its events (joined through timeline_events).
CREATE INDEX timeline_events_encounter ON timeline_events (encounter_id);
CREATE INDEX diagnoses_encounter ON diagnoses (encounter_id);
CREATE INDEX observations_encounter ON observations (encounter_id, observed_at);
CREATE INDEX orders_encounter ON orders (encounter_id);
CREATE INDEX medications_encounter ON medications (encounter_id);

-- Orders keep the sender's display text, so a summary names "Magnesium", not only LOINC 19123-9.
ALTER TABLE orders ADD COLUMN display text;
