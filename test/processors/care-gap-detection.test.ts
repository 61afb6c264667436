// The ai-care-gap-detection processor without Kafka: events projected into a real (PGlite) timeline,
// facts and state read back from the store, decisions applied to it, as the worker does; and the
// worker's memory of decisions not stored yet.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UnstoredStates } from '../../src/app/care-gap-worker.ts';
import { timelineCaughtUp } from '../../src/app/workers.ts';
import { loadCareGapRules } from '../../src/clinical/care-gaps/rules.ts';
import type { ClinicalEvent } from '../../src/event/envelope.ts';
import { CARE_GAPS_TOPIC, type CareGapState, type CareGapStateWrite, careGapDueEventId, careGapProcessor, stateAfter } from '../../src/processors/care-gap-detection.ts';
import { projectEvent } from '../../src/processors/patient-timeline.ts';
import type { Decision } from '../../src/runtime/worker.ts';
import { applyCareGapWrites, dueWakes, loadCareGapFacts, loadCareGapState } from '../../src/store/care-gaps.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import { applyTimelineWrites } from '../../src/store/timeline.ts';
import { careGapDueEvent } from '../../src/app/care-gap-sweeper.ts';
import { careGapEvents } from './care-gap-fixtures.ts';

const rules = loadCareGapRules();
const run = careGapProcessor({ rules });

type Out = { transition: string; rule: { id: string; version: number }; status: string; reason?: string; due_at: string; gap_id: string; explanation: string; source_event_id: string };
const outs = (d: Decision): Out[] => (d.outputs ?? []).map((o) => o.value as unknown as Out);
const brief = (d: Decision) => outs(d).map((o) => `${o.transition} ${o.rule.id}${o.reason ? ` (${o.reason})` : ''}`);

describe('care-gap processor on a real store', () => {
  let db: Database;
  before(async () => {
    db = await openDatabase({});
  });
  after(() => db.close());

  /** What the worker does for one event: timeline first, then facts and state, then the decision's writes. */
  const step = async (event: ClinicalEvent): Promise<Decision> => {
    await db.transaction((tx) => applyTimelineWrites(tx, projectEvent(event).writes ?? []));
    const state = await loadCareGapState(db, event.patient_id);
    const at = [event.event_timestamp, state.evaluatedAt ?? event.event_timestamp].sort().at(-1) as string;
    const decision = run(event, { facts: await loadCareGapFacts(db, event.patient_id, at, rules), state });
    await db.transaction((tx) => applyCareGapWrites(tx, 'ai-care-gap-detection', event, (decision.writes ?? []) as never));
    return decision;
  };
  const openGaps = async (p: string) => (await db.query<{ rule_id: string; status: string }>('SELECT rule_id, status FROM care_gaps WHERE patient_id = $1 ORDER BY rule_id', [p])).map((r) => `${r.rule_id} ${r.status}`);

  it('diagnosis then HbA1c: the testing gap opens, then closes; HbA1c then diagnosis: no gap at all', async () => {
    const a = careGapEvents('pt-order-a');
    const d1 = await step(a.diagnosis('dx', '2026-05-01T09:00:00Z'));
    assert.deepEqual(brief(d1), ['opened diabetes-hba1c-testing']);
    assert.equal(d1.outputs?.[0]?.topic, CARE_GAPS_TOPIC);
    assert.equal(d1.outputs?.[0]?.key, 'pt-order-a');
    assert.deepEqual(await openGaps('pt-order-a'), ['diabetes-hba1c-testing open']);
    const d2 = await step(a.hba1c('a1c', '2026-05-01T09:05:00Z', 7.2));
    assert.deepEqual(brief(d2), ['closed diabetes-hba1c-testing (met)']);
    assert.equal(outs(d2)[0]?.gap_id, outs(d1)[0]?.gap_id, 'the same gap closes');
    assert.deepEqual(await openGaps('pt-order-a'), []);
    assert.equal((await loadCareGapState(db, 'pt-order-a')).wakeAt, '2027-05-01T09:05:00.000Z', 'next test due in 12 months');

    const b = careGapEvents('pt-order-b');
    assert.deepEqual(brief(await step(b.hba1c('a1c', '2026-05-01T09:00:00Z', 7.2))), [], 'not diabetic: nothing to say');
    assert.deepEqual(brief(await step(b.diagnosis('dx', '2026-05-01T09:05:00Z'))), []);
    assert.deepEqual(await openGaps('pt-order-b'), []);
    assert.equal((await loadCareGapState(db, 'pt-order-b')).wakeAt, '2027-05-01T09:00:00.000Z');
  });

  it('a poor result opens poor control with the HEDIS convention cited; a repeat at 9.0 % closes it', async () => {
    const c = careGapEvents('pt-control');
    await step(c.hba1c('a1c-1', '2026-05-01T09:00:00Z', 9.4));
    const d = await step(c.diagnosis('dx', '2026-05-02T09:00:00Z'));
    assert.deepEqual(brief(d), ['opened diabetes-hba1c-poor-control']);
    const o = d.outputs?.[0]?.value as Record<string, unknown> & { rule: { sources: string[] } };
    assert.equal(o.due_at, '2026-08-01T09:00:00.000Z');
    assert.equal(o.status, 'open');
    assert.equal(o.rules_revision, rules.revision);
    assert.ok(o.rule.sources.some((s) => s.includes('HEDIS')));
    const again = await step(c.hba1c('a1c-2', '2026-06-01T09:00:00Z', 9.8));
    assert.deepEqual(brief(again), ['updated diabetes-hba1c-poor-control'], 'still poor: the same gap, a new due date');
    assert.equal(outs(again)[0]?.gap_id, outs(d)[0]?.gap_id);
    assert.equal(outs(again)[0]?.due_at, '2026-09-01T09:00:00.000Z');
    assert.deepEqual(brief(await step(c.hba1c('a1c-3', '2026-07-01T09:00:00Z', 9.0))), ['closed diabetes-hba1c-poor-control (met)']);
  });

  it('a discharge opens follow-up and reconciliation gaps; a visit closes one, the due tick escalates the other', async () => {
    const p = careGapEvents('pt-discharge');
    await step(p.admission('stay', '2026-06-01T08:00:00Z'));
    const opened = await step(p.discharge('stay', '2026-06-05T12:00:00Z'));
    assert.deepEqual(brief(opened), ['opened discharge-follow-up-7d', 'opened discharge-medication-reconciliation-30d']);
    assert.deepEqual(outs(opened).map((o) => o.due_at), ['2026-06-12T12:00:00.000Z', '2026-07-05T12:00:00.000Z']);
    assert.deepEqual(brief(await step(p.visit('fu', '2026-06-09T10:00:00Z'))), ['closed discharge-follow-up-7d (met)']);

    // Nothing else happens for 30 days: the sweeper's tick at the wake time escalates the gap.
    const [wake] = (await dueWakes(db, new Date('2026-08-01T00:00:00Z'), 10)).filter((w) => w.patientId === 'pt-discharge');
    assert.deepEqual(wake, { patientId: 'pt-discharge', wakeAt: '2026-07-05T12:00:00.000Z', rules: ['discharge-medication-reconciliation-30d'] });
    const tick = careGapDueEvent(wake);
    assert.equal(tick.event_id, careGapDueEventId('pt-discharge', '2026-07-05T12:00:00.000Z', ['discharge-medication-reconciliation-30d']));
    const escalated = await step(tick);
    assert.deepEqual(brief(escalated), ['escalated discharge-medication-reconciliation-30d']);
    assert.equal(outs(escalated)[0]?.status, 'overdue');
    assert.deepEqual(await openGaps('pt-discharge'), ['discharge-medication-reconciliation-30d overdue']);
    assert.equal((await loadCareGapState(db, 'pt-discharge')).wakeAt, undefined);
    // A late reconciliation closes it as late.
    assert.deepEqual(brief(await step(p.reconciliation('rec', '2026-07-10T09:00:00Z'))), ['closed discharge-medication-reconciliation-30d (met-late)']);
  });

  it('the tick is no clinical fact: the timeline projects nothing for it and AI workers do not wait for it', async () => {
    const tick = careGapDueEvent({ patientId: 'pt-tick', wakeAt: '2026-06-12T12:00:00.000Z', rules: ['discharge-follow-up-7d'] });
    assert.deepEqual(projectEvent(tick), {});
    assert.equal(await timelineCaughtUp(db, tick, 0), true);
    assert.equal(await timelineCaughtUp(db, careGapEvents('pt-tick').visit('v', '2026-06-12T12:00:00Z'), 0), false, 'a clinical event is waited for');
  });

  it('a second discharge supersedes the first one’s gaps', async () => {
    const p = careGapEvents('pt-twice');
    await step(p.admission('s1', '2026-06-01T08:00:00Z'));
    await step(p.discharge('s1', '2026-06-02T08:00:00Z'));
    const readmit = await step(p.admission('s2', '2026-06-04T08:00:00Z'));
    assert.deepEqual(brief(readmit), ['closed discharge-follow-up-7d (readmitted)', 'closed discharge-medication-reconciliation-30d (readmitted)']);
    const second = await step(p.discharge('s2', '2026-06-06T08:00:00Z'));
    assert.deepEqual(brief(second), ['opened discharge-follow-up-7d', 'opened discharge-medication-reconciliation-30d']);
  });
});

describe('care-gap processor: time and state', () => {
  const p = careGapEvents('pt-pure');
  const facts = { diagnoses: [], hba1c: [], encounters: [{ encounterId: 'pt-pure-stay', class: 'inpatient', admitTime: '2026-06-01T00:00:00.000Z', dischargeTime: '2026-06-05T12:00:00.000Z' }], orders: [] };

  it('an event read late (an earlier time, from the other topic) is judged as of what was already seen', async () => {
    // The HbA1c (later time) was read first; the diagnosis then counts it although it is older.
    const q = careGapEvents('pt-late');
    const diabetic = { diagnoses: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9', recordedAt: '2026-05-01T09:00:00.000Z' }], hba1c: [{ eventId: 'x', at: '2026-05-01T09:05:00.000Z', value: 7.2, units: '%', status: 'F' }], encounters: [], orders: [] };
    const first = run(q.hba1c('a1c', '2026-05-01T09:05:00Z', 7.2), { facts: { ...diabetic, diagnoses: [] }, state: { version: 0, gaps: [] } });
    assert.deepEqual(brief(first), []);
    assert.equal(stateAfter(first)?.evaluatedAt, '2026-05-01T09:05:00.000Z');
    assert.deepEqual(brief(run(q.diagnosis('dx', '2026-05-01T09:00:00Z'), { facts: diabetic, state: stateAfter(first) as CareGapState })), []);
  });

  it('never evaluates before the last evaluation: a late event does not move time back', () => {
    const first = run(p.discharge('stay', '2026-06-05T12:00:00Z'), { facts, state: { version: 0, gaps: [] } });
    const overdue = run(careGapDueEvent({ patientId: 'pt-pure', wakeAt: '2026-06-12T12:00:00.000Z', rules: ['discharge-follow-up-7d'] }), { facts, state: stateAfter(first) as CareGapState });
    assert.deepEqual(brief(overdue), ['escalated discharge-follow-up-7d']);
    const late = p.visit('old', '2026-06-03T00:00:00Z');
    assert.deepEqual(run(late, { facts, state: stateAfter(overdue) as CareGapState }), {}, 'evaluated at the tick’s time, nothing changes');
  });

  it('each decision writes the whole state one version up', () => {
    const d = run(p.discharge('stay', '2026-06-05T12:00:00Z'), { facts, state: { version: 41, gaps: [] } });
    const w = d.writes?.[0] as unknown as CareGapStateWrite;
    assert.equal(w.op, 'care_gap_state');
    assert.equal(w.version, 42);
    assert.equal(w.gaps.length, 2);
    assert.equal(w.wake_at, '2026-06-12T12:00:00.000Z');
  });
});

describe('care-gap worker: decisions not stored yet', () => {
  const s = (version: number): CareGapState => ({ version, gaps: [] });

  it('reads its own newer state until the store catches up', () => {
    const u = new UnstoredStates();
    const stored = s(4);
    assert.equal(u.baseline('P', 'e1', stored), stored);
    const after1 = s(5);
    u.remember('P', 'e1', stored, after1);
    // e2 runs before e1's decision is stored.
    assert.equal(u.baseline('P', 'e2', stored), after1);
    const after2 = s(6);
    u.remember('P', 'e2', after1, after2);
    assert.equal(u.baseline('P', 'e3', s(5)), after2, 'only e1 stored so far');
    const six = s(6);
    assert.equal(u.baseline('P', 'e3', six), six, 'both stored: the store is the truth');
    assert.equal(u.size, 0, 'caught up: forgotten');
  });

  it('forgets a state whose event comes again (its decision never reached the store)', () => {
    const u = new UnstoredStates();
    const stored = s(4);
    const five = s(5);
    u.remember('P', 'e1', stored, five);
    u.remember('P', 'e2', u.baseline('P', 'e2', stored), s(6));
    assert.equal(u.baseline('P', 'e1', stored), stored, 're-fetched after a rebalance');
    assert.equal(u.size, 0);
  });
});
