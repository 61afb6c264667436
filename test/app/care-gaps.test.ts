// ai-care-gap-detection against a real broker, wired as in the main job (timeline projection and the
// care-gap worker): answers that depend on the order of a patient's events, events produced close
// together, outputs read read_committed from ai-care-gaps and the state in the store; and a gap
// that fires because time passed, through the due sweeper, with no further clinical event.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CareGapSweeper, careGapDueEvent } from '../../src/app/care-gap-sweeper.ts';
import { careGapWorker } from '../../src/app/care-gap-worker.ts';
import { timelineWorker } from '../../src/app/workers.ts';
import type { ClinicalEvent } from '../../src/event/envelope.ts';
import type { WorkerRuntime } from '../../src/runtime/engine.ts';
import type { Database } from '../../src/store/db.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { careGapEvents } from '../processors/care-gap-fixtures.ts';
import { committedCount, endOffsetTotal, readRecords, topicOf, uniqueSuffix, waitFor } from '../support/kafka.ts';
import { type WorkerHarness, startWorkers } from '../support/workers.ts';

type Out = { transition: string; gap_id: string; patient_id: string; status: string; reason?: string; rule: { id: string; version: number }; due_at: string; source_event_id: string };

describe('care gaps wired as in the main job', () => {
  let topology: Topology;
  let db: Database;
  let harness: WorkerHarness;
  const run = uniqueSuffix();

  before(async () => {
    harness = await startWorkers((topology, db) => [timelineWorker(topology), careGapWorker(topology, db)]);
    ({ topology, db } = harness);
  });
  after(() => harness.close());

  // One produce request: the events are as close together as they can be.
  const send = (...events: ClinicalEvent[]) => harness.send(...events);
  const outputs = async (): Promise<Out[]> => (await readRecords([topicOf(topology, 'ai-care-gaps')], 10_000, 1_500)).map((r) => JSON.parse(r.value.toString()) as Out);
  const of = (all: Out[], patient: string) => all.filter((o) => o.patient_id === patient);
  const brief = (os: Out[]) => os.map((o) => `${o.transition} ${o.rule.id}${o.reason ? ` (${o.reason})` : ''}`);
  const stored = async (patient: string) =>
    (await db.query<{ rule_id: string; status: string }>('SELECT rule_id, status FROM care_gaps WHERE patient_id = $1 ORDER BY rule_id', [patient])).map((r) => `${r.rule_id} ${r.status}`);
  const version = async (patient: string) => Number((await db.query<{ version: string }>('SELECT version::text FROM care_gap_patients WHERE patient_id = $1', [patient]))[0]?.version ?? 0);

  it('in one partition the order decides: a visit after the discharge closes the follow-up gap, one before it does not', async () => {
    const dv = careGapEvents(`dv-${run}`);
    const vd = careGapEvents(`vd-${run}`);
    await send(dv.discharge('stay', '2026-06-01T12:00:00Z'), dv.visit('fu', '2026-06-04T09:00:00Z'));
    await send(vd.visit('fu', '2026-05-30T09:00:00Z'), vd.discharge('stay', '2026-06-01T12:00:00Z'));

    await waitFor('both patients decided', async () => (await version(`dv-${run}`)) >= 2 && (await version(`vd-${run}`)) >= 1);
    let all: Out[] = [];
    await waitFor('their outputs committed', async () => {
      all = await outputs();
      return of(all, `dv-${run}`).length >= 3 && of(all, `vd-${run}`).length >= 2;
    });
    assert.deepEqual(brief(of(all, `dv-${run}`)), ['opened discharge-follow-up-7d', 'opened discharge-medication-reconciliation-30d', 'closed discharge-follow-up-7d (met)']);
    assert.deepEqual(brief(of(all, `vd-${run}`)), ['opened discharge-follow-up-7d', 'opened discharge-medication-reconciliation-30d']);
    assert.deepEqual(await stored(`dv-${run}`), ['discharge-medication-reconciliation-30d open']);
    assert.deepEqual(await stored(`vd-${run}`), ['discharge-follow-up-7d open', 'discharge-medication-reconciliation-30d open']);
    const [dvFollowUp, , dvClosed] = of(all, `dv-${run}`);
    assert.equal(dvClosed?.gap_id, dvFollowUp?.gap_id);
    assert.equal(dvFollowUp?.due_at, '2026-06-08T12:00:00.000Z');
    assert.equal(dvFollowUp?.rule.version, 1);
  });

  it('a diagnosis and an HbA1c produced together on two topics, in either order, leave the patient in one state', async () => {
    // [patient, events in the order produced, the open gaps that must remain]
    const cases: [string, (e: ReturnType<typeof careGapEvents>) => ClinicalEvent[], string[]][] = [
      ['dx-ok', (e) => [e.diagnosis('dx', '2026-05-01T09:00:00Z'), e.hba1c('a1c', '2026-05-01T09:05:00Z', 7.2)], []],
      ['ok-dx', (e) => [e.hba1c('a1c', '2026-05-01T09:00:00Z', 7.2), e.diagnosis('dx', '2026-05-01T09:05:00Z')], []],
      ['dx-poor', (e) => [e.diagnosis('dx', '2026-05-01T09:00:00Z'), e.hba1c('a1c', '2026-05-01T09:05:00Z', 9.5)], ['diabetes-hba1c-poor-control open']],
      ['poor-dx', (e) => [e.hba1c('a1c', '2026-05-01T09:00:00Z', 9.5), e.diagnosis('dx', '2026-05-01T09:05:00Z')], ['diabetes-hba1c-poor-control open']],
      ['dx-borderline', (e) => [e.diagnosis('dx', '2026-05-01T09:00:00Z'), e.hba1c('a1c', '2026-05-01T09:05:00Z', 9.0)], []],
    ];
    for (const [name, events] of cases) await send(...events(careGapEvents(`${name}-${run}`)));

    // Both events judged: the later one's timestamp alone is not enough (the diagnosis may be
    // judged first even when produced second), so wait for the group's commits on both topics.
    const group = careGapWorker(topology, db).group;
    await waitFor('every event of both topics judged', async () => {
      for (const topic of [topicOf(topology, 'hl7-adt-events'), topicOf(topology, 'lab-results')]) {
        if ((await committedCount(group, topic)) < (await endOffsetTotal(topic))) return false;
      }
      return true;
    });
    for (const [name, , open] of cases) assert.deepEqual(await stored(`${name}-${run}`), open, name);

    let all: Out[] = [];
    await waitFor('the poor-control gaps on the topic', async () => {
      all = await outputs();
      return of(all, `dx-poor-${run}`).some((o) => o.transition === 'opened' && o.rule.id === 'diabetes-hba1c-poor-control') && of(all, `poor-dx-${run}`).length > 0;
    });
    for (const [name, , open] of cases) {
      // Whatever interleaving the group read, the records tell a consistent story ending in the stored state.
      const mine = of(all, `${name}-${run}`);
      const live = new Map<string, string>();
      for (const o of mine) {
        if (o.transition === 'opened') {
          assert.ok(!live.has(o.gap_id), `${name}: ${o.gap_id} opened twice`);
          live.set(o.gap_id, o.rule.id);
        } else if (o.transition === 'closed') assert.ok(live.delete(o.gap_id), `${name}: closed a gap that was not open`);
      }
      assert.deepEqual([...live.values()].map((r) => `${r} open`).sort(), open, name);
    }
  });

  it('two care-gap workers sharing the patients while one joins and the other leaves: every transition once, in order', async () => {
    const patients = Array.from({ length: 30 }, (_, i) => careGapEvents(`rb${i}-${run}`));
    for (const p of patients) await send(p.discharge('s1', '2026-07-01T12:00:00Z'), p.visit('fu', '2026-07-03T09:00:00Z'));
    await harness.start(careGapWorker(topology, db));
    for (const p of patients) await send(p.admission('s2', '2026-07-10T08:00:00Z'));
    // The first care-gap worker leaves; the second finishes alone.
    const first = harness.runtimes.splice(1, 1)[0] as WorkerRuntime;
    await first.stop();
    for (const p of patients) await send(p.discharge('s2', '2026-07-12T12:00:00Z'));

    const expected = [
      'opened discharge-follow-up-7d',
      'opened discharge-medication-reconciliation-30d',
      'closed discharge-follow-up-7d (met)',
      'closed discharge-medication-reconciliation-30d (readmitted)',
      'opened discharge-follow-up-7d',
      'opened discharge-medication-reconciliation-30d',
    ];
    let all: Out[] = [];
    await waitFor(
      'every patient’s transitions committed',
      async () => {
        all = await outputs();
        return patients.every((_, i) => of(all, `rb${i}-${run}`).length >= expected.length);
      },
      240_000,
    );
    for (let i = 0; i < patients.length; i++) {
      const P = `rb${i}-${run}`;
      assert.deepEqual(brief(of(all, P)), expected, P);
      assert.deepEqual(await stored(P), ['discharge-follow-up-7d open', 'discharge-medication-reconciliation-30d open'], P);
      assert.equal(await version(P), 4, `${P}: one state per event`);
    }
  });

  it('a gap whose time comes fires through the due sweeper, once, with no further clinical event', async () => {
    const p = careGapEvents(`time-${run}`);
    const P = `time-${run}`;
    await send(p.discharge('stay', '2026-01-01T12:00:00Z'));
    await waitFor('the discharge judged', async () => (await version(P)) >= 1);
    const [row] = await db.query<{ wake_at: Date; wake_rules: string[] }>('SELECT wake_at, wake_rules FROM care_gap_patients WHERE patient_id = $1', [P]);
    assert.equal(row?.wake_at.toISOString(), '2026-01-08T12:00:00.000Z');
    assert.deepEqual(row?.wake_rules, ['discharge-follow-up-7d']);

    // The clock says a day after the follow-up was due; other patients of this file wake later.
    const sweeper = new CareGapSweeper({ db, producer: harness.producer, now: () => new Date('2026-01-09T12:00:00Z') });
    assert.equal(await sweeper.sweep(), 1);
    assert.equal(await sweeper.sweep(), 0, 'emitted once');
    const tick = careGapDueEvent({ patientId: P, wakeAt: '2026-01-08T12:00:00.000Z', rules: ['discharge-follow-up-7d'] });

    await waitFor('the follow-up gap escalated in the store', async () => (await stored(P)).includes('discharge-follow-up-7d overdue'));
    assert.deepEqual(await stored(P), ['discharge-follow-up-7d overdue', 'discharge-medication-reconciliation-30d open']);
    const [next] = await db.query<{ wake_at: Date; wake_emitted_at: Date | null }>('SELECT wake_at, wake_emitted_at FROM care_gap_patients WHERE patient_id = $1', [P]);
    assert.equal(next?.wake_at.toISOString(), '2026-01-31T12:00:00.000Z', 'next: the reconciliation window');
    assert.equal(next?.wake_emitted_at, null);

    // The same tick again (a sweep repeated after a crash) is a duplicate: no second escalation.
    await send(tick);
    await send(p.visit('late', '2026-01-10T09:00:00Z'));
    let mine: Out[] = [];
    await waitFor('the late visit closing the gap', async () => {
      mine = of(await outputs(), P);
      return mine.some((o) => o.transition === 'closed');
    });
    assert.deepEqual(brief(mine), [
      'opened discharge-follow-up-7d',
      'opened discharge-medication-reconciliation-30d',
      'escalated discharge-follow-up-7d',
      'closed discharge-follow-up-7d (met-late)',
    ]);
    assert.equal(mine[2]?.source_event_id, tick.event_id, 'escalated by the tick');
    assert.equal(mine[2]?.status, 'overdue');
  });
});
