// The AI consumers the main job runs: each a declaration from the topology (its group and the
// topics it reads), its processor, and the store hook that applies its writes.
import type { WorkerDeclaration } from '../runtime/worker.ts';
import { TIMELINE_GROUP, projectEvent } from '../processors/patient-timeline.ts';
import { applyTimelineWrites } from '../store/timeline.ts';
import type { Topology } from '../topology/topology.ts';

/** Topics the topology lists `group` as a consumer of. */
export function topicsOf(topology: Topology, group: string): string[] {
  const topics = topology.topics.filter((t) => t.consumers.includes(group)).map((t) => t.name);
  if (topics.length === 0) throw new Error(`the topology names no topic for consumer group ${group}`);
  return topics;
}

export function timelineWorker(topology: Topology): WorkerDeclaration {
  return {
    group: TIMELINE_GROUP,
    topics: topicsOf(topology, TIMELINE_GROUP),
    processor: projectEvent,
    store: (tx, _event, writes) => applyTimelineWrites(tx, writes),
  };
}
