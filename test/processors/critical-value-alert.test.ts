// The ai-critical-value-alert processor end to end, without Kafka: events and histories in,
// alert records (topic and store) and notes out.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { alertId, type CriticalAlert } from '../../src/clinical/critical/alert.ts';
import { loadCriticalTable } from '../../src/clinical/critical/load-table.ts';
import type { ClinicalEvent } from '../../src/event/envelope.ts';
import { SYSTEM } from '../../src/event/payloads.ts';
import { CRITICAL_ALERTS_TOPIC, type CriticalWrite, criticalValueProcessor } from '../../src/processors/critical-value-alert.ts';
import type { PastDecision, PatientHistory } from '../../src/processors/history.ts';
import type { Decision } from '../../src/runtime/worker.ts';
import { history, hoursFrom, labEvent, obs, past, T0 } from '../clinical/critical-fixtures.ts';

const table = loadCriticalTable();
const run = criticalValueProcessor({ table });

const alerts = (d: Decision): CriticalAlert[] => (d.outputs ?? []).map((o) => o.value as CriticalAlert);
const writes = (d: Decision): CriticalWrite[] => (d.writes ?? []) as CriticalWrite[];
const notes = (d: Decision) => writes(d).filter((w) => w.rule_id.startsWith('note:'));
/** What the store would give back as history.decisions (ai_outputs rows), newest first. */
const asDecisions = (...ds: Decision[]): PastDecision[] =>
  ds
    .flatMap(writes)
    .map((w) => ({ ruleId: w.rule_id, at: w.at, ...(w.fingerprint ? { fingerprint: w.fingerprint } : {}) }))
    .reverse();

describe('critical value alert: paging', () => {
  it('K 6.2 does not page, K 6.3 does: one alert on the topic and the same record in the store', () => {
    assert.deepEqual(run(labEvent([obs('2823-3', 6.2, 'mmol/L')]), history()), {});
    const d = run(labEvent([obs('2823-3', 6.3, 'mmol/L')]), history());
    assert.equal(d.outputs?.length, 1);
    const out = d.outputs?.[0];
    assert.equal(out?.topic, CRITICAL_ALERTS_TOPIC);
    assert.equal(out?.key, 'pat-1');
    const a = out?.value as CriticalAlert;
    assert.deepEqual(
      { ...a, explanation: undefined, rule: { ...a.rule, source: undefined } },
      {
        alert_id: alertId('evt-1', 'critical:potassium-high', { system: SYSTEM.loinc, code: '2823-3' }),
        patient_id: 'pat-1',
        encounter_id: 'enc-1',
        source_event_id: 'evt-1',
        severity: 'critical',
        rule: { id: 'critical:potassium-high', version: table.version, source: undefined },
        observation: { code: { system: SYSTEM.loinc, code: '2823-3' }, value: 6.3, units: 'mmol/L', observedAt: T0, status: 'F', flags: [] },
        limit: { low: 2.8, high: 6.2, units: 'mmol/L' },
        limit_check: 'breached',
        explanation: undefined,
      },
    );
    assert.match(a.rule.source, /^Kost GJ\. Critical limits/);
    assert.equal(a.explanation, 'Potassium 6.3 mmol/L is above the critical high limit of 6.2 mmol/L.');
    assert.deepEqual(writes(d), [{ output_id: a.alert_id, rule_id: 'critical:potassium-high', fingerprint: '6.3|mmol/L', at: T0, record: a }]);
  });

  it('INR 5.0 pages (the limit itself is critical), 4.9 does not', () => {
    assert.deepEqual(run(labEvent([obs('6301-6', 4.9, '{INR}')]), history()), {});
    const [a] = alerts(run(labEvent([obs('6301-6', 5.0)]), history()));
    assert.equal(a?.rule.id, 'critical:inr-high');
    assert.equal(a?.explanation, 'INR 5 is at or above the critical high limit of 5.');
    assert.match(a?.rule.source ?? '', /common US hospital laboratory critical-value policy/i);
  });

  it('glucose 2.5 mmol/L pages as critical low (45.04 mg/dL against 46 mg/dL)', () => {
    const [a] = alerts(run(labEvent([obs('2345-7', 2.5, 'mmol/L')]), history()));
    assert.equal(a?.rule.id, 'critical:glucose-low');
    assert.deepEqual(a?.converted, { value: 45.04, units: 'mg/dL' });
    assert.deepEqual(a?.limit, { low: 46, high: 484, units: 'mg/dL' });
    assert.equal(a?.explanation, 'Glucose 2.5 mmol/L (45.04 mg/dL) is below the critical low limit of 46 mg/dL.');
  });

  it('the alerts topic is an option', () => {
    const d = criticalValueProcessor({ table, topic: 'site-critical' })(labEvent([obs('2823-3', 6.3, 'mmol/L')]), history());
    assert.equal(d.outputs?.[0]?.topic, 'site-critical');
  });

  it('one alert per paging observation of a report, none for the normal ones', () => {
    const d = run(labEvent([obs('2951-2', 140, 'mmol/L'), obs('2823-3', 2.5, 'mmol/L'), obs('777-3', 20, 'K/uL'), obs('2160-0', 9.0, 'mg/dL')]), history());
    assert.deepEqual(alerts(d).map((a) => a.rule.id), ['critical:potassium-low', 'critical:platelets-low']);
  });
});

describe('critical value alert: HL7 critical flags', () => {
  it('LL, HH and AA page without a table limit', () => {
    const d = run(
      labEvent([
        obs('2524-7', 9.1, 'mmol/L', { abnormalFlags: ['HH'] }),
        obs('2524-7', 0.1, 'mmol/L', { abnormalFlags: ['LL'] }),
        { code: { system: 'urn:example:lab', code: 'BCX' }, value: 'Gram negative rods', valueType: 'ST', abnormalFlags: ['AA'], status: 'F' },
      ]),
      history(),
    );
    const got = alerts(d);
    assert.deepEqual(got.map((a) => [a.rule.id, a.severity, a.limit_check]), [
      ['critical:loinc-2524-7-high', 'critical', 'no-limit'],
      ['critical:loinc-2524-7-low', 'critical', 'no-limit'],
      ['critical:code-BCX-abnormal', 'critical', 'no-limit'],
    ]);
    assert.equal(got[0]?.explanation, 'LOINC 2524-7 9.1 mmol/L was flagged critical high (HH) by the performing laboratory. The site table has no critical limit for this test.');
    assert.equal(got[2]?.limit.flag, 'AA');
  });

  it('a flag inside the table limits pages too, and says the table was not breached', () => {
    const [a] = alerts(run(labEvent([obs('2823-3', 6.0, 'mmol/L', { abnormalFlags: ['HH'] })]), history()));
    assert.equal(a?.rule.id, 'critical:potassium-high');
    assert.equal(a?.limit_check, 'within');
    assert.match(a?.explanation ?? '', /flagged critical high \(HH\).*inside the site table's critical limits/);
  });
});

describe('critical value alert: unconvertible units', () => {
  it('are not judged by limits: no alert, and a note says why', () => {
    const d = run(labEvent([obs('2823-3', 6.8, 'mg/dL')]), history());
    assert.equal(d.outputs, undefined);
    assert.deepEqual(
      notes(d).map((n) => [n.rule_id, n.record.reason, n.record.limit_units]),
      [['note:limit-not-applied', 'units-incompatible', 'mmol/L']],
    );
    const missing = run(labEvent([obs('2823-3', 6.8)]), history());
    assert.equal(notes(missing)[0]?.record.reason, 'units-missing');
  });

  it('a critical flag still pages, and the alert says the limits were not applied', () => {
    const d = run(labEvent([obs('2823-3', 6.8, 'furlongs', { abnormalFlags: ['HH'] })]), history());
    const [a] = alerts(d);
    assert.equal(a?.limit_check, 'units-unknown');
    assert.match(a?.explanation ?? '', /limits were not applied because its units are not ones the converter knows \(table units mmol\/L\)/);
    assert.deepEqual(notes(d).map((n) => n.rule_id), ['note:limit-not-applied']);
  });
});

describe('critical value alert: delta checks', () => {
  const hbBefore = (hours: number, value = 10.1): PatientHistory => history({ observations: [past(obs('718-7', value, 'g/dL'), 'evt-0', hoursFrom(T0, -hours))] });

  it('hemoglobin 10.1 -> 8.0 within 24 h pages with severity high', () => {
    const [a] = alerts(run(labEvent([obs('718-7', 8.0, 'g/dL')]), hbBefore(8)));
    assert.equal(a?.severity, 'high');
    assert.equal(a?.rule.id, 'delta:hemoglobin-fall');
    assert.match(a?.rule.source ?? '', /Schulman S, Kearon C/);
    assert.equal(a?.limit_check, 'within');
    assert.deepEqual(a?.delta, {
      rule_id: 'delta:hemoglobin-fall',
      source: a?.rule.source,
      direction: 'fall',
      previous: { value: 10.1, units: 'g/dL', observedAt: hoursFrom(T0, -8), event_id: 'evt-0' },
      change: -2.1,
      units: 'g/dL',
      hours_apart: 8,
      threshold: { change: 2, within_hours: 24 },
    });
    assert.equal(a?.explanation, 'Hemoglobin fell from 10.1 to 8 g/dL (a fall of 2.1 g/dL) in 8 h; the delta check fires on a fall of 2 g/dL or more within 24 h.');
  });

  it('hemoglobin 10.1 -> 8.0 after 30 h does not page', () => {
    assert.deepEqual(run(labEvent([obs('718-7', 8.0, 'g/dL')]), hbBefore(30)), {});
  });

  it('a critical value after a fall is one critical alert carrying the delta', () => {
    const got = alerts(run(labEvent([obs('718-7', 6.0, 'g/dL')]), hbBefore(6)));
    assert.equal(got.length, 1);
    assert.equal(got[0]?.severity, 'critical');
    assert.equal(got[0]?.rule.id, 'critical:hemoglobin-low');
    assert.equal(got[0]?.delta?.rule_id, 'delta:hemoglobin-fall');
    assert.match(got[0]?.explanation ?? '', /below the critical low limit of 6\.6 g\/dL\. Hemoglobin fell from 10\.1 to 6 g\/dL/);
  });

  it('the current event\'s own observation in history is not its previous value', () => {
    const h = history({ observations: [past(obs('718-7', 10.1, 'g/dL'), 'evt-1', hoursFrom(T0, -1))] });
    assert.deepEqual(run(labEvent([obs('718-7', 8.0, 'g/dL')]), h), {});
  });
});

describe('critical value alert: repeat suppression', () => {
  const first = run(labEvent([obs('2823-3', 6.8, 'mmol/L')], 'evt-a', T0), history());
  const later = (hours: number, value: number, opts = run) =>
    opts(labEvent([obs('2823-3', value, 'mmol/L')], `evt-${hours}-${value}`, hoursFrom(T0, hours)), history({ decisions: asDecisions(first) }));

  it('the same value within the window does not page again; the decision records the suppression', () => {
    const d = later(2, 6.8);
    assert.equal(d.outputs, undefined);
    const [n] = notes(d);
    assert.equal(n?.rule_id, 'note:suppressed-repeat');
    assert.equal(n?.fingerprint, undefined, 'a note never suppresses anything itself');
    assert.deepEqual(
      { rule_id: n?.record.rule_id, fingerprint: n?.record.fingerprint, repeat_of: n?.record.repeat_of, window_hours: n?.record.window_hours },
      { rule_id: 'critical:potassium-high', fingerprint: '6.8|mmol/L', repeat_of: { at: T0, fingerprint: '6.8|mmol/L' }, window_hours: 6 },
    );
  });

  it('a better value within the window is a repeat too; a worse one pages again', () => {
    assert.equal(later(2, 6.5).outputs, undefined);
    const [a] = alerts(later(2, 7.2));
    assert.equal(a?.rule.id, 'critical:potassium-high');
    assert.equal(a?.observation.value, 7.2);
  });

  it('after the window the same value pages again', () => {
    assert.equal(alerts(later(6, 6.8)).length, 1);
    assert.equal(alerts(later(7, 6.8)).length, 1);
  });

  it('the window is an option', () => {
    const wide = criticalValueProcessor({ table, repeatWindowHours: 12 });
    assert.equal(later(7, 6.8, wide).outputs, undefined);
    assert.throws(() => criticalValueProcessor({ table, repeatWindowHours: 0 }), /repeatWindowHours/);
  });

  it('the same value twice in one report pages once', () => {
    const d = run(labEvent([obs('2823-3', 6.8, 'mmol/L'), obs('6298-4', 6.8, 'mmol/L')]), history());
    assert.equal(alerts(d).length, 1);
    assert.deepEqual(notes(d).map((n) => n.rule_id), ['note:suppressed-repeat']);
  });

  it('a new fall pages even when the critical value itself is a repeat', () => {
    const hb1 = run(labEvent([obs('718-7', 6.0, 'g/dL')], 'evt-hb1', T0), history());
    const h = history({
      decisions: asDecisions(hb1),
      observations: [past(obs('718-7', 8.5, 'g/dL'), 'evt-hb2', hoursFrom(T0, 2)), past(obs('718-7', 6.0, 'g/dL'), 'evt-hb1', T0)],
    });
    const d = run(labEvent([obs('718-7', 6.2, 'g/dL')], 'evt-hb3', hoursFrom(T0, 3)), h);
    assert.deepEqual(alerts(d).map((a) => [a.rule.id, a.severity]), [['delta:hemoglobin-fall', 'high']]);
    assert.deepEqual(notes(d).map((n) => n.record.rule_id), ['critical:hemoglobin-low']);
  });
});

describe('critical value alert: result status', () => {
  it('final and corrected results page', () => {
    assert.equal(alerts(run(labEvent([obs('2823-3', 6.3, 'mmol/L', { status: 'C' })]), history())).length, 1);
  });

  it('a preliminary critical value without a critical flag waits for the final; the decision notes it', () => {
    const d = run(labEvent([obs('2823-3', 7.0, 'mmol/L', { status: 'P' })]), history());
    assert.equal(d.outputs, undefined);
    assert.deepEqual(notes(d).map((n) => n.rule_id), ['note:preliminary-held']);
  });

  it('a preliminary value flagged HH pages by default, marked preliminary; not with preliminary: "never"', () => {
    const e = labEvent([obs('2823-3', 7.0, 'mmol/L', { status: 'P', abnormalFlags: ['HH'] })]);
    const [a] = alerts(run(e, history()));
    assert.equal(a?.preliminary, true);
    assert.match(a?.explanation ?? '', /preliminary result/);
    const never = criticalValueProcessor({ table, preliminary: 'never' })(e, history());
    assert.equal(never.outputs, undefined);
    assert.deepEqual(notes(never).map((n) => n.rule_id), ['note:preliminary-held']);
  });

  it('the final report after a paged preliminary one is a repeat', () => {
    const pre = run(labEvent([obs('2823-3', 7.0, 'mmol/L', { status: 'P', abnormalFlags: ['HH'] })], 'evt-p'), history());
    const fin = run(labEvent([obs('2823-3', 7.0, 'mmol/L', { abnormalFlags: ['HH'] })], 'evt-f', hoursFrom(T0, 0.5)), history({ decisions: asDecisions(pre) }));
    assert.equal(fin.outputs, undefined);
  });

  it('cancelled results never page', () => {
    assert.deepEqual(run(labEvent([obs('2823-3', 7.0, 'mmol/L', { status: 'X', abnormalFlags: ['HH'] })]), history()), {});
  });
});

describe('critical value alert: identity and scope', () => {
  it('alert ids are deterministic: same event, rule and code give the same id on every run', () => {
    const e = labEvent([obs('2823-3', 6.3, 'mmol/L'), obs('777-3', 20, '10*3/uL')]);
    const one = run(e, history());
    const two = criticalValueProcessor({ table })(e, history());
    assert.deepEqual(one, two);
    const ids = alerts(one).map((a) => a.alert_id);
    assert.equal(new Set(ids).size, 2);
    assert.equal(ids[0], alertId('evt-1', 'critical:potassium-high', { system: SYSTEM.loinc, code: '2823-3' }));
    const other = alerts(run(labEvent([obs('2823-3', 6.3, 'mmol/L')], 'evt-2'), history()));
    assert.notEqual(other[0]?.alert_id, ids[0]);
  });

  it('the same code twice in one report gets two ids', () => {
    const d = run(labEvent([obs('2823-3', 6.5, 'mmol/L'), obs('2823-3', 7.5, 'mmol/L')]), history());
    const ids = alerts(d).map((a) => a.alert_id);
    assert.equal(ids.length, 2);
    assert.notEqual(ids[0], ids[1]);
  });

  it('non-lab events and reports without observations produce no outputs and no writes', () => {
    const adm: ClinicalEvent = { ...labEvent([obs('2823-3', 9.9, 'mmol/L')]), event_type: 'admission' };
    assert.deepEqual(run(adm, history()), {});
    assert.deepEqual(run({ ...labEvent([]), payload: {} }, history()), {});
    assert.deepEqual(run(labEvent([{ value: 9 } as never]), history()), {});
  });

  it('every output is plain JSON, versioned with the rules', () => {
    const d = run(labEvent([obs('2823-3', 6.3, 'mmol/L')]), history());
    assert.deepEqual(JSON.parse(JSON.stringify(d)), d);
    assert.ok(alerts(d).every((a) => a.rule.version === table.version));
  });
});

describe('critical value alert: site override', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-critical-site-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an override file lowers the potassium limit and changes the rules version', () => {
    const path = join(dir, 'site.json');
    writeFileSync(
      path,
      JSON.stringify({
        sources: [{ id: 'site', citation: 'Example Hospital critical value policy' }],
        limits: { '2823-3': { analyte: 'potassium', display: 'Potassium', units: 'mmol/L', low: 3.0, high: 6.0, valence: 1, source: 'site' } },
      }),
    );
    const site = criticalValueProcessor({ overridePath: path });
    const [a] = alerts(site(labEvent([obs('2823-3', 6.1, 'mmol/L')]), history()));
    assert.equal(a?.rule.source, 'Example Hospital critical value policy');
    assert.notEqual(a?.rule.version, table.version);
  });
});
