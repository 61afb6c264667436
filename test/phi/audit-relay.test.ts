// The audit log reaches the audit topic: every row once per relay, in id order, and a restarted
// relay goes on from where the last one stopped. Forgetting a patient is one of those rows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuditRelay } from '../../src/phi/audit-relay.ts';
import { forgetPatient } from '../../src/phi/forget.ts';
import { appendAudit } from '../../src/store/audit-log.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { readRecords, testConnection, topicOf } from '../support/kafka.ts';
import { provisionedTopology } from '../support/topics.ts';

interface AuditRecord {
  id: number;
  actor: string;
  action: string;
  target: string;
  reason: string | null;
}

describe('audit relay to the audit topic', () => {
  let topology: Topology;
  let db: Database;
  let topic: string;
  const relay = () => new AuditRelay({ db, ...testConnection(), clientId: 'vigil-test', topic });
  const onTopic = async () => (await readRecords([topic], 1_000, 2_000)).map((r) => ({ key: r.key, ...(JSON.parse(r.value.toString()) as AuditRecord) }));

  before(async () => {
    topology = await provisionedTopology();
    topic = topicOf(topology, 'vigil-audit');
    db = await openDatabase({});
  });
  after(() => db.close());

  it('copies each row once, in id order, keyed by actor, and resumes after a restart', async () => {
    await appendAudit(db, { actor: 'token:ivan', action: 'dlq.view-payload', target: '12', reason: 'malformed feed' });
    await appendAudit(db, { actor: 'token:ivan', action: 'dlq.replay', target: '12' });
    const first = relay();
    assert.equal(await first.relay(), 2);
    assert.equal(await first.relay(), 0, 'nothing new, nothing sent');
    await first.stop();

    await forgetPatient(db, 'pt-audit-test', 'cli:ops', 'erasure request 42');
    const second = relay();
    assert.equal(await second.relay(), 1, 'the restarted relay sends only the new row');
    await second.stop();

    const records = await onTopic();
    assert.deepEqual(
      records.map((r) => [r.id, r.key, r.actor, r.action, r.target, r.reason]),
      [
        [1, 'token:ivan', 'token:ivan', 'dlq.view-payload', '12', 'malformed feed'],
        [2, 'token:ivan', 'token:ivan', 'dlq.replay', '12', null],
        [3, 'cli:ops', 'cli:ops', 'patient.forget', 'pt-audit-test', 'erasure request 42'],
      ],
    );
  });
});
