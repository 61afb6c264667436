// Burrow-style consumer status: judges a group by the trend of its lag over a window of samples,
// not by a fixed threshold (a backlog that is being worked off is fine; a small one that never
// moves is not). Pure: samples in, a status and a reason out.
//
// Kafka's admin API gives committed offsets but not when they were committed (Burrow reads that
// from __consumer_offsets), so "no commits" is read as "no live member in the group": nothing can
// commit then. A group with members whose offsets do not move is stalled.

export const GROUP_STATUSES = ['OK', 'WARN', 'STALL', 'STOP'] as const;
export type GroupStatus = (typeof GROUP_STATUSES)[number];

/** What the evaluator needs of one sample of a group (a GroupLag from lag.ts is one). */
export interface StatusSample {
  /** When it was taken, epoch ms. */
  at: number;
  /** Live members of the consumer group. */
  members: number;
  /** Records not yet processed, summed over the group's partitions. */
  totalLag: number;
  partitions: { topic: string; partition: number; committed: number | null; lag: number }[];
}

export interface Evaluation {
  status: GroupStatus;
  /** Why, for people: counts, offsets and durations only. */
  reason: string;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/** The first partition lagging in every sample whose committed offset never moved. */
function stalledPartition(window: StatusSample[]): { topic: string; partition: number; committed: number | null; lag: number } | undefined {
  const last = window[window.length - 1] as StatusSample;
  for (const p of last.partitions) {
    if (p.lag === 0) continue;
    const stuck = window.every((s) => {
      const q = s.partitions.find((x) => x.topic === p.topic && x.partition === p.partition);
      return q !== undefined && q.lag > 0 && q.committed === p.committed;
    });
    if (stuck) return p;
  }
  return undefined;
}

/**
 * The status of a group over its window of samples (oldest first; at least one). In order:
 * OK when the lag is 0 now or was 0 at some point in the window (Burrow's first rule);
 * STOP when the group had no live member in any sample while lagging (nothing commits);
 * STALL when a partition lagged in every sample and its committed offset never moved;
 * WARN when the lag rose or held in every interval and ended higher than it began;
 * otherwise OK (the backlog is being worked off). Trends need two samples or more.
 */
export function evaluateGroup(window: StatusSample[]): Evaluation {
  const first = window[0];
  const last = window[window.length - 1];
  if (!first || !last) throw new RangeError('evaluateGroup needs at least one sample');
  const span = last.at - first.at;
  if (last.totalLag === 0) return { status: 'OK', reason: 'no lag' };
  if (window.some((s) => s.totalLag === 0)) return { status: 'OK', reason: `lag was 0 within the last ${seconds(span)}; now ${last.totalLag}` };
  if (window.every((s) => s.members === 0)) {
    const over = window.length > 1 ? ` for ${seconds(span)}` : '';
    return { status: 'STOP', reason: `no live consumer${over} while ${last.totalLag} record(s) wait` };
  }
  if (window.length < 2) return { status: 'OK', reason: `lag ${last.totalLag}; one sample, no trend yet` };
  const stalled = stalledPartition(window);
  if (stalled) {
    const at = stalled.committed === null ? 'no committed offset' : `committed offset ${stalled.committed}`;
    return { status: 'STALL', reason: `${stalled.topic}/${stalled.partition}: ${at} unchanged for ${seconds(span)} while lag ${stalled.lag}` };
  }
  let rising = true;
  for (let i = 1; i < window.length; i++) if ((window[i] as StatusSample).totalLag < (window[i - 1] as StatusSample).totalLag) rising = false;
  if (rising && last.totalLag > first.totalLag) return { status: 'WARN', reason: `lag rose from ${first.totalLag} to ${last.totalLag} over ${seconds(span)}` };
  return { status: 'OK', reason: `consuming: lag ${first.totalLag} -> ${last.totalLag} over ${seconds(span)}` };
}
