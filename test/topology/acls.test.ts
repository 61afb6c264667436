import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aclPlan, defaultPrincipals, principalsFromConfig } from '../../src/topology/acls.ts';
import { defaultTopology } from '../../src/topology/topology.ts';

const plan = aclPlan(defaultTopology, defaultPrincipals);
const grants = (principal: string) =>
  plan.filter((r) => r.principal === principal).map((r) => `${r.operation} ${r.resourceType}:${r.patternType === 'PREFIXED' ? `${r.resourceName}*` : r.resourceName}`).sort();

describe('ACLs derived from the topology', () => {
  it('lets an AI consumer read only its inputs and group, write only its outputs and the DLQ, and use its transactional ids', () => {
    assert.deepEqual(grants('User:ai-critical-value-alert'), [
      'DESCRIBE TOPIC:ai-critical-alerts',
      'DESCRIBE TOPIC:ai-events-dlq',
      'DESCRIBE TOPIC:lab-results',
      'DESCRIBE TRANSACTIONAL_ID:vigil-ai-critical-value-alert-*',
      'READ GROUP:ai-critical-value-alert',
      'READ TOPIC:lab-results',
      'WRITE TOPIC:ai-critical-alerts',
      'WRITE TOPIC:ai-events-dlq',
      'WRITE TRANSACTIONAL_ID:vigil-ai-critical-value-alert-*',
    ]);
  });

  it('lets the timeline read every input topic and write no output', () => {
    const timeline = grants('User:patient-timeline');
    for (const t of defaultTopology.topics.filter((x) => x.role === 'input')) assert.ok(timeline.includes(`READ TOPIC:${t.name}`), t.name);
    assert.deepEqual(timeline.filter((g) => g.startsWith('WRITE TOPIC:')), ['WRITE TOPIC:ai-events-dlq']);
  });

  it('lets the gateway write exactly the input topics', () => {
    const inputs = defaultTopology.topics.filter((t) => t.role === 'input').map((t) => `WRITE TOPIC:${t.name}`).sort();
    assert.deepEqual(grants('User:vigil-gateway').filter((g) => g.startsWith('WRITE')), inputs);
  });

  it('grants nothing cluster-wide and nothing to anyone unnamed', () => {
    assert.equal(plan.some((r) => (r.resourceType as string) === 'CLUSTER'), false);
    assert.equal(plan.some((r) => r.principal.includes('{group}')), false);
  });

  it('maps groups to principals through a configurable template', () => {
    const p = principalsFromConfig({ group: 'User:svc-{group}', gateway: 'User:intake' });
    const custom = aclPlan(defaultTopology, p);
    assert.ok(custom.some((r) => r.principal === 'User:svc-ai-drug-interaction-check' && r.resourceName === 'clinical-orders' && r.operation === 'READ'));
    assert.ok(custom.some((r) => r.principal === 'User:intake'));
    assert.throws(() => principalsFromConfig({ gateway: 'intake' }), /kafka\.principals\.gateway/);
  });
});
