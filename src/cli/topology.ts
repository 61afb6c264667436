import type { VigilConfig } from '../config.ts';
import { aclPlan } from '../topology/acls.ts';
import { formatDuration, table } from './table.ts';

export function topologyCommand(config: VigilConfig, json: boolean): string {
  const topics = config.topology.topics;
  if (json) {
    return JSON.stringify(
      {
        topics: topics.map((t) => ({
          name: t.name,
          role: t.role,
          partitions: t.partitions,
          key: t.key,
          retentionMs: t.retentionMs,
          consumers: t.consumers,
          producers: t.producers,
          eventTypes: t.eventTypes,
        })),
        acls: aclPlan(config.topology, config.kafka.principals),
      },
      null,
      2,
    );
  }
  return table(
    ['topic', 'role', 'partitions', 'key', 'retention', 'consumer groups', 'written by', 'event types'],
    topics.map((t) => [
      t.name,
      t.role,
      String(t.partitions),
      t.key,
      formatDuration(t.retentionMs),
      t.consumers.join(', ') || '-',
      t.producers.join(', ') || '-',
      t.eventTypes.join(', ') || '-',
    ]),
  );
}
