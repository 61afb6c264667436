// Invariant 9 for the discharge summary: it must see every event of its encounter that came
// before the discharge, although those events travel on other topics and partitions (results on
// lab-results, orders on clinical-orders) than the discharge it reads (discharge-events).
//
// "Came before" is taken in the log's own order, not in event time: an event came before the
// discharge when Kafka had appended it before it appended the discharge. Source clocks differ and
// a late result can carry an earlier time, so event-time watermarks would either wait forever or
// be wrong; offsets are exact. A system that got its ACK (the gateway answers only after Kafka
// acknowledged) before it sent the discharge is therefore always covered.
//
// How: every event of the encounter lies in one known partition per input topic, the one its key
// hashes to (patient_id for ADT and results, encounter_id for orders and discharges). When this
// worker holds the discharge, the discharge is already in the log, so the end offsets of those
// partitions read now lie past everything appended before it. The patient timeline commits an
// offset only once the store writes of every record below it are done (contiguous watermark,
// store before the Kafka transaction), so once its committed offsets reach those end offsets the
// timeline holds every earlier event. This is conservative (it also waits for later records of
// other patients on the same partitions: the timeline's own lag). The discharge's own timeline
// row is checked too: the discharge is in two topics and the timeline takes the first copy it
// meets, which need not be the copy below these ends. Input topics are written by plain
// idempotent producers, never in transactions, so no marker sits at their ends; if one ever did,
// the cost is the bounded wait and a summary flagged partial.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClinicalEvent } from '../event/envelope.ts';
import type { GroupProgress } from '../kafka/group-progress.ts';
import { TIMELINE_GROUP } from '../processors/patient-timeline.ts';
import type { Sql } from '../store/db.ts';
import { type Topology, eventKeyOn } from '../topology/topology.ts';

const POLL_MS = 250;

/**
 * Resolves true once the timeline holds every event of the discharge's encounter appended before
 * the discharge, false after `maxWaitMs` (the caller then decides on what is there, flagged
 * partial). When `signal` aborts (the worker stops past its grace period) it never settles: the
 * record stays unfinished and is fetched again after a restart, rather than being decided on
 * partial history or dead-lettered.
 */
export async function encounterCaughtUp(
  progress: GroupProgress,
  db: Sql,
  topology: Topology,
  event: ClinicalEvent,
  maxWaitMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + maxWaitMs;
  const partitions = await Promise.all(
    topology.topics
      .filter((t) => t.role === 'input' && t.consumers.includes(TIMELINE_GROUP))
      .flatMap((t) => {
        const key = eventKeyOn(t, event);
        return typeof key === 'string' ? [progress.partitionOf(t.name, key)] : [];
      }),
  );
  const targets = await progress.endOffsets(partitions);
  for (;;) {
    if (signal?.aborted) return new Promise<never>(() => {});
    const behind = await progress.behind(TIMELINE_GROUP, targets);
    if (behind.length === 0) {
      const [row] = await db.query<{ seen: boolean }>('SELECT EXISTS (SELECT 1 FROM timeline_events WHERE event_id = $1) AS seen', [event.event_id]);
      if (row?.seen) return true;
    }
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}
