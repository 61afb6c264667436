// The AI workers as the main job wires them: timeline projection, then processors reading the
// patient's history from it, outputs on their topics and in the store.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { criticalValueWorker, drugInteractionWorker, timelineWorker } from '../../src/app/workers.ts';
import { type ClinicalEvent, validateEvent } from '../../src/event/envelope.ts';
import { SYSTEM } from '../../src/event/payloads.ts';
import type { Database } from '../../src/store/db.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { readRecords, topicOf, uniqueSuffix, waitFor } from '../support/kafka.ts';
import { type WorkerHarness, startWorkers } from '../support/workers.ts';

describe('AI workers wired as in the main job', () => {
  let topology: Topology;
  let db: Database;
  let harness: WorkerHarness;

  before(async () => {
    harness = await startWorkers((topology, db) => [timelineWorker(topology), criticalValueWorker(topology, db), drugInteractionWorker(topology, db)]);
    ({ topology, db } = harness);
  });
  after(() => harness.close());

  const send = (e: ClinicalEvent) => harness.send(e);
  const projected = (id: string) => async () => (await db.query('SELECT 1 FROM timeline_events WHERE event_id = $1', [id])).length > 0;
  const source = { format: 'json' };
  const patient = { identifiers: [{ value: 'X', type: 'MR' }], birthDate: '1948-01-01' };

  it('alerts on warfarin ordered right after an NSAID, and on a critical potassium that waited for its order', async () => {
    const run = uniqueSuffix();
    const P = `pt-${run}`;
    const med = (id: string, code: string, at: string) =>
      validateEvent({
        event_id: id, event_type: 'medication_order', patient_id: P, encounter_id: `E-${run}`, event_timestamp: at,
        payload: { patient, source, order: { control: 'NW', placerNumber: id }, medication: { system: SYSTEM.rxnorm, code }, diagnoses: [], coverage: [] },
      });
    await send(validateEvent({ event_id: `${run}-adm`, event_type: 'admission', patient_id: P, encounter_id: `E-${run}`, event_timestamp: '2026-11-26T06:00:00Z', payload: { trigger: 'A01', patient, source, diagnoses: [], coverage: [] } }));
    // Back to back: the check must see the NSAID through the timeline anyway (invariant 9).
    await send(med(`${run}-ibu`, '5640', '2026-11-26T07:00:00Z'));
    await send(med(`${run}-warf`, '11289', '2026-11-26T08:00:00Z'));
    // A result that arrives before the order it answers waits for that order.
    await send(validateEvent({
      event_id: `${run}-k`, event_type: 'lab_result', patient_id: P, encounter_id: `E-${run}`, event_timestamp: '2026-11-26T09:00:00Z',
      payload: { patient, source, order: { placerNumber: `${run}-bmp` }, observations: [{ code: { system: SYSTEM.loinc, code: '2823-3' }, value: 6.9, valueType: 'NM', units: 'mmol/L', abnormalFlags: [], status: 'F', observedAt: '2026-11-26T09:00:00Z' }] },
    }));
    await waitFor('the result in the timeline', projected(`${run}-k`));
    // Given time to act, the alert worker still holds the result: its order is not in the timeline.
    await sleep(1_500);
    assert.deepEqual(await db.query('SELECT 1 FROM ai_outputs WHERE event_id = $1', [`${run}-k`]), []);
    await send(validateEvent({
      event_id: `${run}-bmp`, event_type: 'order', patient_id: P, encounter_id: `E-${run}`, event_timestamp: '2026-11-26T08:30:00Z',
      payload: { patient, source, order: { control: 'NW', placerNumber: `${run}-bmp`, code: { system: SYSTEM.loinc, code: '51990-0' }, reasons: [] }, diagnoses: [], coverage: [] },
    }));

    const interactions = topicOf(topology, 'ai-drug-interaction-alerts');
    const alerts = topicOf(topology, 'ai-critical-alerts');
    type Output = { source_event_id: string; adjusted_risk: string; rule: { id: string }; headers: Record<string, string> };
    const read = async (topic: string, id: string) =>
      (await readRecords([topic], 1_000, 1_000))
        .map((r) => ({ ...(JSON.parse(r.value.toString()) as Output), headers: r.headers }))
        .filter((o) => o.source_event_id === id);
    // Outputs are visible to read_committed readers once their transaction commits.
    await waitFor('the interaction finding', async () => (await read(interactions, `${run}-warf`)).length > 0);
    await waitFor('the critical alert', async () => (await read(alerts, `${run}-k`)).length > 0);
    const mine = await read(interactions, `${run}-warf`);
    assert.equal(mine.length, 1);
    assert.match(mine[0]?.rule.id ?? '', /warfarin/);
    assert.equal(mine[0]?.adjusted_risk, 'very high', 'age over 65 raises the warfarin-NSAID risk');
    const alert = await read(alerts, `${run}-k`);
    assert.deepEqual(alert.map((c) => c.rule.id), ['critical:potassium-high']);
    assert.equal(alert[0]?.headers.vigil_history, undefined, 'decided on complete history, after the order arrived');
    assert.equal(mine[0]?.headers.vigil_history, undefined);
    const stored = await db.query<{ rule_id: string }>('SELECT rule_id FROM ai_outputs WHERE patient_id = $1 AND rule_id NOT LIKE $2 ORDER BY rule_id', [P, 'note:%']);
    assert.deepEqual(stored.map((r) => r.rule_id), ['critical:potassium-high', mine[0]?.rule.id]);
  });
});
