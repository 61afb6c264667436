// Where an event goes: the topics its type is routed to, each keyed by the field the topology names.
import type { ClinicalEvent } from '../event/envelope.ts';
import { EventValidationError } from '../event/envelope.ts';
import { type Topology, eventKeyOn, topicsForEventType } from './topology.ts';

export interface Route {
  topic: string;
  key: string;
}

export function routeEvent(topology: Topology, event: ClinicalEvent): Route[] {
  const topics = topicsForEventType(topology, event.event_type);
  if (topics.length === 0) {
    throw new EventValidationError([{ field: 'event_type', rule: 'has no topic in the topology' }]);
  }
  return topics.map((topic) => {
    const key = eventKeyOn(topic, event);
    if (typeof key !== 'string') {
      // encounter_id is optional in the envelope but required where it is the partition key.
      throw new EventValidationError([
        { field: topic.key, rule: `is required for ${event.event_type} events (key of topic ${topic.name})` },
      ]);
    }
    return { topic: topic.name, key };
  });
}
