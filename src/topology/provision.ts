// Makes a cluster match the topology: creates missing topics, corrects drifted retention, and
// reports partition-count mismatches without touching them (adding partitions moves keys, and so
// patients, to other partitions: that is a migration for people to plan, not a side effect).
import { type Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';
import { setTimeout as sleep } from 'node:timers/promises';
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

function hasApiId(err: unknown, id: string): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { apiId?: unknown; errors?: unknown };
  return e.apiId === id || (Array.isArray(e.errors) && e.errors.some((x) => hasApiId(x, id)));
}

/** Topic metadata reaches every broker a moment after creation: wait until the topics show. */
async function waitUntilVisible(admin: Admin, names: string[]): Promise<Map<string, ActualTopic>> {
  for (let attempt = 0; ; attempt++) {
    const actual = await describeTopics(admin, names);
    if (actual.size === names.length || attempt >= 100) return actual;
    await sleep(100);
  }
}

export async function provision(admin: Admin, topology: Topology, replicationFactor: number): Promise<ProvisionResult[]> {
  const actual = await describeTopics(admin, topology.topics.map((t) => t.name));
  const results: ProvisionResult[] = [];
  const created: string[] = [];
  for (const spec of topology.topics) {
    let have = actual.get(spec.name);
    if (!have) {
      try {
        await admin.createTopics({
          topics: [spec.name],
          partitions: spec.partitions,
          replicas: replicationFactor,
          configs: [{ name: 'retention.ms', value: String(spec.retentionMs) }],
        });
        created.push(spec.name);
        results.push({
          topic: spec.name,
          action: 'created',
          detail: `${plural(spec.partitions, 'partition')}, retention.ms=${spec.retentionMs}`,
        });
        continue;
      } catch (err) {
        // Created meanwhile (another provisioner, or metadata that had not caught up): check it.
        if (!hasApiId(err, 'TOPIC_ALREADY_EXISTS')) throw err;
        have = (await waitUntilVisible(admin, [spec.name])).get(spec.name);
        if (!have) throw err;
      }
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
  if (created.length > 0) await waitUntilVisible(admin, created);
  return results;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
