// How long stored decisions are kept (src/store/effects.ts). A decision is there so that an event
// read again (a replay, a restart, a late duplicate) reuses it instead of asking the processor, or
// an AI, again and sending its outputs twice. It is needed only while its event can still be read
// from Kafka: the longest retention of the group's input topics, plus the time Kafka may keep a
// record past it. Kafka deletes whole log segments once their newest record is past retention, and
// a segment spans up to segment.ms (7 days by default), so its oldest record can outlive retention
// by that much. Past that a decision is only stored patient data, so the main job forgets it.
import { PeriodicTask } from '../periodic.ts';
import { logger } from '../phi/log.ts';
import type { Sql } from '../store/db.ts';
import { pruneDecisions } from '../store/effects.ts';
import type { Topology } from '../topology/topology.ts';

const log = logger('decision-retention');
const HOUR_MS = 3_600_000;
/** How long past retention.ms a record may still be read: Kafka's default segment.ms (7 days), and a day for the retention check's interval and producers' clocks. */
export const READABLE_PAST_RETENTION_MS = 8 * 24 * HOUR_MS;

/** How long a group's decisions are kept, or undefined to keep them for good (an input topic that keeps records for good, or one the topology does not know). */
export function decisionRetentionMs(topology: Topology, topics: readonly string[]): number | undefined {
  let longest = 0;
  for (const name of topics) {
    const retention = topology.topics.find((t) => t.name === name)?.retentionMs;
    if (retention === undefined || retention < 0) return undefined;
    longest = Math.max(longest, retention);
  }
  return longest + READABLE_PAST_RETENTION_MS;
}

export interface DecisionPrunerOptions {
  db: Sql;
  topology: Topology;
  /** The worker groups whose decisions are kept here, with the topics they read. */
  groups: readonly { group: string; topics: readonly string[] }[];
  intervalMs?: number;
}

export class DecisionPruner {
  readonly #opts: Required<DecisionPrunerOptions>;
  readonly #task: PeriodicTask;

  constructor(opts: DecisionPrunerOptions) {
    this.#opts = { intervalMs: HOUR_MS, ...opts };
    this.#task = new PeriodicTask(() => this.prune(), this.#opts.intervalMs, (err) =>
      log.warn({ error: (err as Error).name }, 'pruning decisions failed; the next pass retries'),
    );
  }

  /** One pass over every group; returns what each forgot. */
  async prune(): Promise<Map<string, { decisions: number; rounds: number }>> {
    const pruned = new Map<string, { decisions: number; rounds: number }>();
    for (const { group, topics } of this.#opts.groups) {
      const keepMs = decisionRetentionMs(this.#opts.topology, topics);
      if (keepMs === undefined) continue;
      const result = await pruneDecisions(this.#opts.db, group, keepMs);
      pruned.set(group, result);
      if (result.decisions > 0 || result.rounds > 0) log.info({ group, keepHours: keepMs / HOUR_MS, ...result }, 'old decisions forgotten');
    }
    return pruned;
  }

  start(): void {
    this.#task.start();
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }
}
