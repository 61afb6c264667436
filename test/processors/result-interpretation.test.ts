// The ai-result-interpretation processor end to end, without Kafka: lab events and histories in,
// one interpretation record (topic and store) out when there is something to say, nothing otherwise.
// The patient text is checked for what it must never hold: codes, identifiers, extra numbers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadInterpretationRules } from '../../src/clinical/interpretation/load-rules.ts';
import type { ClinicalEvent } from '../../src/event/envelope.ts';
import { type Observation, SYSTEM } from '../../src/event/payloads.ts';
import type { PatientHistory } from '../../src/processors/history.ts';
import {
  type InterpretationRecord,
  type InterpretationWrite,
  interpretationId,
  RESULT_INTERPRETATIONS_TOPIC,
  resultInterpretationProcessor,
} from '../../src/processors/result-interpretation.ts';
import type { Decision } from '../../src/runtime/worker.ts';
import { earlier, obs, patient, T0 } from '../clinical/interpretation-fixtures.ts';
import { CANARY } from '../support/canary.ts';

const rules = loadInterpretationRules();
const run = resultInterpretationProcessor({ rules });

const PATIENT_ID = 'P-CANARY-4412';
const ENCOUNTER_ID = 'ENC-CANARY-9';

function labEvent(observations: Observation[], eventId = 'evt-1'): ClinicalEvent {
  return {
    event_id: eventId,
    event_type: 'lab_result',
    patient_id: PATIENT_ID,
    encounter_id: ENCOUNTER_ID,
    event_timestamp: T0,
    payload: {
      source: { format: 'hl7v2' },
      patient: { identifiers: [{ value: CANARY.mrn, type: 'MR' }], name: { family: CANARY.name, given: ['Zed'] }, birthDate: '1931-02-28' },
      order: { placerNumber: 'ORD-1' },
      observations: observations as unknown as Record<string, unknown>[],
    },
  };
}

const records = (d: Decision): InterpretationRecord[] => (d.outputs ?? []).map((o) => o.value as unknown as InterpretationRecord);
const range = (low: number, high: number) => ({ referenceRange: { low, high, text: `${low}-${high}` } });

/** A report that trips every named rule, with the history each needs. */
function everything(): { event: ClinicalEvent; history: PatientHistory } {
  const event = labEvent([
    obs('2160-0', 2.1, 'mg/dL', range(0.6, 1.1)),
    obs('2823-3', 6.1, 'mmol/L', range(3.5, 5.0)),
    obs('2951-2', 127, 'mmol/L', range(136, 145)),
    obs('718-7', 9.8, 'g/dL', range(12, 15.5)),
    obs('787-2', 71, 'fL', range(80, 100)),
    obs('4548-4', 9.4, '%', { referenceRange: { high: 5.7, text: '<5.7' } }),
    obs('1742-6', 88, 'U/L', range(10, 40)),
    obs('777-3', 95, '10*3/uL', range(150, 450)),
    obs('630-4', 'Positive', undefined, { abnormalFlags: ['A'] }),
  ]);
  const history = { ...patient({ sex: 'female', age: 67, observations: [earlier('2160-0', 1.0, 'mg/dL', 30, range(0.6, 1.1))] }), patientId: PATIENT_ID };
  return { event, history };
}

describe('result interpretation processor', () => {
  it('gives nothing for a normal panel and for events that are not lab results', () => {
    const normal = labEvent([obs('2951-2', 140, 'mmol/L', range(136, 145)), obs('2823-3', 4.1, 'mmol/L', range(3.5, 5.0)), obs('718-7', 13.8, 'g/dL', range(12, 15.5))]);
    assert.deepEqual(run(normal, patient({ sex: 'female' })), {});
    assert.deepEqual(run({ ...labEvent([obs('2951-2', 120, 'mmol/L')]), event_type: 'admission' }, patient()), {});
    assert.deepEqual(run(labEvent([]), patient()), {});
  });

  it('one record per event: on the topic keyed by patient, and the same record as a store row', () => {
    const d = run(labEvent([obs('2951-2', 128, 'mmol/L')]), patient());
    assert.equal(d.outputs?.length, 1);
    const out = d.outputs?.[0];
    assert.equal(out?.topic, RESULT_INTERPRETATIONS_TOPIC);
    assert.equal(out?.key, PATIENT_ID);
    const r = out?.value as unknown as InterpretationRecord;
    assert.deepEqual({ ...r, findings: r.findings.length }, {
      interpretation_id: interpretationId('evt-1'),
      patient_id: PATIENT_ID,
      encounter_id: ENCOUNTER_ID,
      source_event_id: 'evt-1',
      at: T0,
      findings: 1,
      method: 'deterministic',
      rules_version: rules.version,
    });
    const [f] = r.findings;
    assert.deepEqual(f?.rule, { id: 'hyponatraemia', version: rules.hyponatraemia?.version, source: rules.hyponatraemia?.source });
    assert.equal(f?.severity, 'attention');
    assert.deepEqual(f?.codes, [{ system: SYSTEM.loinc, code: '2951-2' }]);
    assert.deepEqual(f?.values, [{ role: 'current', code: { system: SYSTEM.loinc, code: '2951-2' }, value: 128, units: 'mmol/L', observedAt: T0, event_id: 'evt-1' }]);
    assert.equal(f?.explanation_clinician, 'Sodium 128 mmol/L: moderate hyponatraemia (125 mmol/L to below 130 mmol/L) by the 2014 European clinical practice guideline.');
    assert.match(f?.explanation_plain ?? '', /^Your sodium level is 128 mmol\/L, which is low\./);
    const writes = d.writes as InterpretationWrite[];
    assert.deepEqual(writes, [{ output_id: r.interpretation_id, rule_id: 'hyponatraemia', at: T0, record: r }]);
  });

  it('names every finding of a busy report, most severe first, and the store row takes the first rule', () => {
    const { event, history } = everything();
    const d = run(event, history);
    const [r] = records(d);
    const ids = r?.findings.map((f) => f.rule.id) ?? [];
    for (const id of ['aki-kdigo', 'hyperkalaemia-rising-creatinine', 'hyponatraemia', 'anaemia-who', 'hba1c-ada', 'reference-range']) assert.ok(ids.includes(id), id);
    const ranks = r?.findings.map((f) => ['info', 'attention', 'urgent'].indexOf(f.severity)) ?? [];
    assert.deepEqual(ranks, [...ranks].sort((a, b) => b - a));
    assert.equal((d.writes as InterpretationWrite[])[0]?.rule_id, ids[0]);
    assert.equal(r?.findings.filter((f) => f.rule.id === 'reference-range').length, 3, 'ALT, platelets and the text result; the rest are explained by patterns');
  });

  it('is deterministic: the same event and history give the same decision; another event another id', () => {
    const { event, history } = everything();
    assert.deepEqual(run(event, history), run(event, history));
    assert.deepEqual(resultInterpretationProcessor()(event, history), run(event, history));
    assert.equal(records(run(event, history))[0]?.interpretation_id, interpretationId('evt-1'));
    assert.notEqual(interpretationId('evt-1'), interpretationId('evt-2'));
    assert.match(interpretationId('evt-1'), /^[0-9a-f]{32}$/);
  });

  it('the output topic is an option', () => {
    const d = resultInterpretationProcessor({ rules, topic: 'site-interpretations' })(labEvent([obs('2951-2', 128, 'mmol/L')]), patient());
    assert.equal(d.outputs?.[0]?.topic, 'site-interpretations');
    assert.throws(() => resultInterpretationProcessor({ rules, topic: ' ' }), RangeError);
  });
});

// A rough Flesch-Kincaid grade: vowel groups as syllables. Good enough to catch a sentence that
// drifts into clinical prose; not a substitute for a reader.
function syllables(word: string): number {
  const w = word.toLowerCase().replace(/[^a-z]/g, '');
  if (!w) return 1;
  const groups = w.replace(/(?:[^laeiouy]es|ed|[^laeiouy]e)$/, '').replace(/^y/, '').match(/[aeiouy]{1,2}/g);
  return Math.max(1, groups?.length ?? 0);
}

function gradeLevel(text: string): number {
  const sentences = text.split(/[.!?]+(?:\s|$)/).filter((s) => s.trim() !== '');
  const words = text.split(/\s+/).filter((w) => /[A-Za-z0-9]/.test(w));
  const syl = words.reduce((n, w) => n + syllables(w), 0);
  return 0.39 * (words.length / sentences.length) + 11.8 * (syl / words.length) - 15.59;
}

/** Stand-alone numbers ("2.1", "9.4%"), not digits inside a word such as the test name "A1C". */
const numbersIn = (text: string): string[] => text.match(/(?<![A-Za-z0-9.])\d+(?:\.\d+)?(?![A-Za-z0-9])/g) ?? [];

describe('result interpretation: plain-language text', () => {
  const { event, history } = everything();
  const findings = records(run(event, history))[0]?.findings ?? [];

  it('holds no LOINC codes, no identifiers and no names', () => {
    assert.ok(findings.length >= 8);
    for (const f of findings) {
      const text = f.explanation_plain;
      assert.doesNotMatch(text, /\b\d{1,7}-\d\b/, `LOINC-like code in: ${text}`);
      assert.doesNotMatch(text, /LOINC|loinc\.org/i);
      for (const secret of [PATIENT_ID, ENCOUNTER_ID, CANARY.mrn, CANARY.name, 'Zed', '1931', 'evt-1', 'ORD-1']) assert.ok(!text.includes(secret), `${secret} in: ${text}`);
      for (const code of f.codes) assert.ok(!text.includes(code.code), `${code.code} in: ${text}`);
    }
  });

  it('holds at most one number, the key value, and no guideline jargon', () => {
    for (const f of findings) {
      const numbers = numbersIn(f.explanation_plain);
      assert.ok(numbers.length <= 1, `numbers ${numbers.join(', ')} in: ${f.explanation_plain}`);
      const key = f.values[0]?.value;
      if (numbers.length === 1) assert.equal(Number(numbers[0]), key, f.explanation_plain);
      assert.doesNotMatch(f.explanation_plain, /\b(KDIGO|WHO|ADA|UKKA|MCV)\b/);
      assert.doesNotMatch(f.explanation_plain, /\b(hyponatraemia|hyperkalaemia|microcytic|macrocytic|baseline|stage|criteria)\b/i);
    }
  });

  it('reads at about a 6th-8th grade level', () => {
    for (const f of findings) assert.ok(gradeLevel(f.explanation_plain) <= 8.5, `grade ${gradeLevel(f.explanation_plain).toFixed(1)}: ${f.explanation_plain}`);
  });

  it('the clinician text names the guideline and the values', () => {
    const aki = findings.find((f) => f.rule.id === 'aki-kdigo');
    assert.match(aki?.explanation_clinician ?? '', /^Creatinine 2\.1 mg\/dL meets the KDIGO 2012 creatinine criteria for acute kidney injury, stage 2\./);
    const anaemia = findings.find((f) => f.rule.id === 'anaemia-who');
    assert.match(anaemia?.explanation_clinician ?? '', /microcytic anaemia\. Iron deficiency is the first cause to consider/);
  });
});
