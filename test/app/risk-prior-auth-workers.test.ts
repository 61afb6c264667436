// ai-risk-assessment and ai-prior-authorization wired as in the main job, on a real broker: an
// admission with vitals charted before it yields one risk-score record and one stored output; an
// outpatient PET order yields one prior-authorization packet.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { priorAuthorizationWorker, riskAssessmentWorker, timelineWorker } from '../../src/app/workers.ts';
import { type ClinicalEvent, validateEvent } from '../../src/event/envelope.ts';
import { SYSTEM } from '../../src/event/payloads.ts';
import type { Database } from '../../src/store/db.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { CANARY } from '../support/canary.ts';
import { readRecords, topicOf, uniqueSuffix, waitFor } from '../support/kafka.ts';
import { type WorkerHarness, startWorkers } from '../support/workers.ts';

describe('risk assessment and prior authorization workers', () => {
  let topology: Topology;
  let db: Database;
  let harness: WorkerHarness;

  before(async () => {
    harness = await startWorkers((topology, db) => [timelineWorker(topology), riskAssessmentWorker(topology, db), priorAuthorizationWorker(topology, db)]);
    ({ topology, db } = harness);
  });
  after(() => harness.close());

  const send = (e: ClinicalEvent) => harness.send(e);
  const projected = (id: string) => async () => (await db.query('SELECT 1 FROM timeline_events WHERE event_id = $1', [id])).length > 0;
  const source = { format: 'json' };
  const patient = { identifiers: [{ value: CANARY.mrn, type: 'MR' }], birthDate: '1948-01-01' };
  const read = async (topic: string, id: string) =>
    (await readRecords([topic], 1_000, 1_000)).map((r) => JSON.parse(r.value.toString()) as Record<string, unknown>).filter((o) => o.source_event_id === id);

  it('an admission with vitals yields one risk-score record and a stored output', async () => {
    const run = uniqueSuffix();
    const P = `pt-${run}`;
    const vital = (code: string, value: number | string, units?: string) => ({
      code: { system: SYSTEM.loinc, code }, value, valueType: typeof value === 'number' ? 'NM' : 'CWE', ...(units ? { units } : {}), abnormalFlags: [], status: 'F', observedAt: '2026-11-26T09:40:00Z',
    });
    // Vitals charted in the ED before the admission (an unsolicited flowsheet result).
    await send(validateEvent({
      event_id: `${run}-vitals`, event_type: 'lab_result', patient_id: P, encounter_id: `ED-${run}`, event_timestamp: '2026-11-26T09:40:00Z',
      payload: { patient, source, order: {}, observations: [
        vital('9279-1', 26, '/min'), vital('59408-5', 93, '%'), vital('3151-8', 2, 'L/min'), vital('8480-6', 98, 'mm[Hg]'),
        vital('8867-4', 118, '/min'), vital('67775-7', 'Alert'), vital('8310-5', 38.6, 'Cel'),
      ] },
    }));
    await waitFor('the vitals in the timeline', projected(`${run}-vitals`));
    await send(validateEvent({
      event_id: `${run}-adm`, event_type: 'admission', patient_id: P, encounter_id: `E-${run}`, event_timestamp: '2026-11-26T10:00:00Z',
      payload: { trigger: 'A01', patient, source, encounter: { class: 'inpatient', admissionType: 'E' }, diagnoses: [{ code: { system: SYSTEM.icd10cm, code: 'J44.1' } }, { code: { system: SYSTEM.icd10cm, code: 'I50.22' } }], coverage: [] },
    }));

    const scores = topicOf(topology, 'ai-risk-scores');
    await waitFor('the risk-score record', async () => (await read(scores, `${run}-adm`)).length > 0);
    const records = await read(scores, `${run}-adm`);
    assert.equal(records.length, 1);
    const [news2, charlson] = records[0]?.scores as { score_id: string; score: number; band: string | null; complete: boolean }[];
    // RR 26: 3, SpO2 93: 2, oxygen: 2, SBP 98: 2, pulse 118: 2, alert: 0, 38.6: 1.
    assert.deepEqual(news2, { ...news2, score_id: 'news2', score: 12, band: 'high', complete: true });
    assert.deepEqual(charlson, { ...charlson, score_id: 'charlson', score: 2 });

    const stored = await db.query<{ rule_id: string; record: { assessment_id: string } }>('SELECT rule_id, record FROM ai_outputs WHERE patient_id = $1', [P]);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.rule_id, 'risk:news2+charlson');
    assert.equal(stored[0]?.record.assessment_id, records[0]?.assessment_id);
  });

  it('an outpatient PET order for a covered patient yields one request packet', async () => {
    const run = uniqueSuffix();
    const P = `pt-${run}`;
    await send(validateEvent({
      event_id: `${run}-pet`, event_type: 'order', patient_id: P, encounter_id: `E-${run}`, event_timestamp: '2026-11-26T12:00:00Z',
      payload: {
        patient, source, encounter: { class: 'inpatient' },
        order: { control: 'NW', placerNumber: `${run}-pet`, code: { system: SYSTEM.cpt, code: '78815' }, orderType: 'O', orderingProviderId: '1234567893', reasons: [{ system: SYSTEM.icd10cm, code: 'C34.90' }] },
        diagnoses: [], coverage: [{ payerId: 'HUMANA', payerName: 'Humana', memberId: 'CANARYM1' }],
      },
    }));
    const requests = topicOf(topology, 'ai-prior-auth-requests');
    await waitFor('the prior-authorization record', async () => (await read(requests, `${run}-pet`)).length > 0);
    const records = await read(requests, `${run}-pet`);
    assert.equal(records.length, 1);
    assert.equal(records[0]?.status, 'required');
    assert.equal((records[0]?.claim as { use: string }).use, 'preauthorization');
    const stored = await db.query<{ rule_id: string; fingerprint: string }>('SELECT rule_id, fingerprint FROM ai_outputs WHERE patient_id = $1', [P]);
    assert.deepEqual(stored, [{ rule_id: 'prior-auth:default:pet', fingerprint: 'required' }]);
  });
});
