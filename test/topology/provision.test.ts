import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';
import { describeTopics, provision } from '../../src/topology/provision.ts';
import { isolatedTopology, topicOf, uniqueSuffix, withAdmin } from '../support/kafka.ts';

describe('provisioning against a real broker', () => {
  const topology = isolatedTopology(uniqueSuffix());
  const names = topology.topics.map((t) => t.name);

  it('creates exactly the topology, described back by the admin API', async () => {
    const results = await withAdmin((admin) => provision(admin, topology, -1));
    assert.deepEqual(results.map((r) => r.action), names.map(() => 'created'));
    const actual = await withAdmin((admin) => describeTopics(admin, names));
    for (const spec of topology.topics) {
      assert.deepEqual(actual.get(spec.name), { partitions: spec.partitions, retentionMs: spec.retentionMs }, spec.name);
    }
  });

  it('is a no-op the second time', async () => {
    const results = await withAdmin((admin) => provision(admin, topology, -1));
    assert.deepEqual(results.map((r) => r.action), names.map(() => 'unchanged'));
  });

  it('corrects drifted retention', async () => {
    const labs = topicOf(topology, 'lab-results');
    await withAdmin((admin) =>
      admin.incrementalAlterConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: labs,
            configs: [{ name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '1000' }],
          },
        ],
      }),
    );
    const results = await withAdmin((admin) => provision(admin, topology, -1));
    const labResult = results.find((r) => r.topic === labs);
    assert.equal(labResult?.action, 'retention-corrected');
    assert.match(labResult?.detail ?? '', /1000 -> 259200000/);
    assert.equal(results.filter((r) => r.action !== 'unchanged').length, 1);
    const actual = await withAdmin((admin) => describeTopics(admin, [labs]));
    assert.equal(actual.get(labs)?.retentionMs, 259_200_000);
  });

  it('reports a partition-count mismatch and leaves the partitions alone', async () => {
    const grown = { topics: topology.topics.map((t) => (t.name === topicOf(topology, 'discharge-events') ? { ...t, partitions: 9 } : t)) };
    const results = await withAdmin((admin) => provision(admin, grown, -1));
    const discharge = results.find((r) => r.topic === topicOf(topology, 'discharge-events'));
    assert.equal(discharge?.action, 'partitions-differ');
    assert.match(discharge?.detail ?? '', /has 6 partitions, topology says 9/);
    const actual = await withAdmin((admin) => describeTopics(admin, [topicOf(topology, 'discharge-events')]));
    assert.equal(actual.get(topicOf(topology, 'discharge-events'))?.partitions, 6);
  });
});
