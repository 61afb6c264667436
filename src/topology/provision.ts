// Makes a cluster match the topology: creates missing topics, corrects drifted retention, and
// reports partition-count mismatches without touching them (adding partitions moves keys, and so
// patients, to other partitions: that is a migration for people to plan, not a side effect).
import { type Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';
import type { Topology } from './topology.ts';

export type ProvisionAction = 'created' | 'retention-corrected' | 'unchanged' | 'partitions-differ';

export interface ProvisionResult {
  topic: string;
  action: ProvisionAction;
  /** Human-readable specifics (numbers only: topic metadata is not PHI). */
  detail: string;
}

export interface ActualTopic {
  partitions: number;
  retentionMs: number | null;
}

/** Partitions and retention.ms of existing topics, as the cluster reports them. */
export async function describeTopics(admin: Admin, names: string[]): Promise<Map<string, ActualTopic>> {
  const existing = new Set(await admin.listTopics());
  const present = names.filter((n) => existing.has(n));
  const result = new Map<string, ActualTopic>();
  if (present.length === 0) return result;
  const metadata = await admin.metadata({ topics: present, forceUpdate: true });
  const configs = await admin.describeConfigs({
    resources: present.map((name) => ({
      resourceType: ConfigResourceTypes.TOPIC,
      resourceName: name,
      configurationKeys: ['retention.ms'],
    })),
  });
  for (const name of present) {
    const value = configs.find((c) => c.resourceName === name)?.configs.find((c) => c.name === 'retention.ms')?.value;
    result.set(name, {
      partitions: metadata.topics.get(name)?.partitionsCount ?? 0,
      retentionMs: value == null ? null : Number(value),
    });
  }
  return result;
}

export async function provision(admin: Admin, topology: Topology, replicationFactor: number): Promise<ProvisionResult[]> {
  const actual = await describeTopics(admin, topology.topics.map((t) => t.name));
  const results: ProvisionResult[] = [];
  for (const spec of topology.topics) {
    const have = actual.get(spec.name);
    if (!have) {
      await admin.createTopics({
        topics: [spec.name],
        partitions: spec.partitions,
        replicas: replicationFactor,
        configs: [{ name: 'retention.ms', value: String(spec.retentionMs) }],
      });
      results.push({
        topic: spec.name,
        action: 'created',
        detail: `${plural(spec.partitions, 'partition')}, retention.ms=${spec.retentionMs}`,
      });
      continue;
    }
    const notes: string[] = [];
    let action: ProvisionAction = 'unchanged';
    if (have.retentionMs !== spec.retentionMs) {
      await admin.incrementalAlterConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: spec.name,
            configs: [
              { name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: String(spec.retentionMs) },
            ],
          },
        ],
      });
      action = 'retention-corrected';
      notes.push(`retention.ms ${have.retentionMs} -> ${spec.retentionMs}`);
    }
    if (have.partitions !== spec.partitions) {
      // Reported, never changed: it outranks a retention fix in the summary.
      action = 'partitions-differ';
      notes.push(`has ${have.partitions} partitions, topology says ${spec.partitions} (not changed: repartitioning moves patients between partitions)`);
    }
    results.push({ topic: spec.name, action, detail: notes.join('; ') || `${plural(have.partitions, 'partition')}, retention.ms=${have.retentionMs}` });
  }
  return results;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
