// The ai-care-gap-detection worker as the main job runs it. Its processor compares what the rules
// say now with the patient's open gaps, so it must read its own latest state. The runtime stores a
// decision's writes only when the record commits (every commitIntervalMs), while the patient's
// next event may already be running: so the worker also remembers the states of its decisions
// that are not stored yet (`UnstoredStates`), and reads whichever is newer. A remembered state is
// dropped when the store has caught up with it, and when one of the events it came from is
// processed again (the runtime re-fetches uncommitted records after a rebalance, and that
// decision never reached the store). Stored states carry versions and only a higher one replaces
// a lower, so decisions stored out of processing order (two topics, two partitions) are harmless.
import type { ClinicalEvent } from '../event/envelope.ts';
import { loadCareGapRules } from '../clinical/care-gaps/rules.ts';
import { CARE_GAP_GROUP, type CareGapOutputWrite, type CareGapState, type CareGapStateWrite, careGapProcessor, stateAfter } from '../processors/care-gap-detection.ts';
import type { WorkerDeclaration } from '../runtime/worker.ts';
import { applyCareGapWrites, careGapVersions, loadCareGapFacts, loadCareGapState } from '../store/care-gaps.ts';
import type { Sql } from '../store/db.ts';
import { type Topology, outputTopicOf } from '../topology/topology.ts';
import { timelineCaughtUp, topicsOf } from './workers.ts';

interface Remembered {
  /** The stored version the chain started from. */
  base: number;
  /** Events whose decisions built this state, oldest first. */
  chain: string[];
  state: CareGapState;
}

/** When this many patients are remembered, the ones the store has caught up with are forgotten. */
const PRUNE_AT = 5_000;

export class UnstoredStates {
  readonly #states = new Map<string, Remembered>();

  get size(): number {
    return this.#states.size;
  }

  /** The state to decide `eventId` on: the remembered one when newer than the stored one. */
  baseline(patientId: string, eventId: string, stored: CareGapState): CareGapState {
    const r = this.#states.get(patientId);
    if (!r) return stored;
    if (stored.version >= r.base + r.chain.length || r.chain.includes(eventId)) {
      this.#states.delete(patientId);
      return stored;
    }
    return r.state;
  }

  remember(patientId: string, eventId: string, from: CareGapState, after: CareGapState): void {
    const r = this.#states.get(patientId);
    if (r && r.state === from) this.#states.set(patientId, { base: r.base, chain: [...r.chain, eventId], state: after });
    else this.#states.set(patientId, { base: from.version, chain: [eventId], state: after });
  }

  async prune(db: Sql): Promise<void> {
    if (this.#states.size < PRUNE_AT) return;
    const versions = await careGapVersions(db, [...this.#states.keys()]);
    for (const [patient, r] of this.#states) if ((versions.get(patient) ?? 0) >= r.base + r.chain.length) this.#states.delete(patient);
  }
}

export function careGapWorker(topology: Topology, db: Sql, rulesPath?: string): WorkerDeclaration {
  const rules = loadCareGapRules(rulesPath);
  const processor = careGapProcessor({ rules, topic: outputTopicOf(topology, CARE_GAP_GROUP) });
  const unstored = new UnstoredStates();
  return {
    group: CARE_GAP_GROUP,
    topics: topicsOf(topology, CARE_GAP_GROUP),
    processor: async (event: ClinicalEvent) => {
      await unstored.prune(db);
      // The timeline holds this event, and so every earlier one of its partition (invariant 9).
      const complete = await timelineCaughtUp(db, event);
      const state = unstored.baseline(event.patient_id, event.event_id, await loadCareGapState(db, event.patient_id));
      // Facts up to the evaluation instant (never before the last one: time only moves forward).
      const at = [event.event_timestamp, state.evaluatedAt ?? event.event_timestamp].sort().at(-1) as string;
      const decision = processor(event, { facts: await loadCareGapFacts(db, event.patient_id, at, rules), state });
      const after = stateAfter(decision);
      if (after) unstored.remember(event.patient_id, event.event_id, state, after);
      if (complete) return decision;
      return { ...decision, outputs: decision.outputs?.map((o) => ({ ...o, headers: { ...o.headers, vigil_history: 'partial' } })) };
    },
    store: (tx, event, writes) => applyCareGapWrites(tx, CARE_GAP_GROUP, event, writes as unknown as (CareGapStateWrite | CareGapOutputWrite)[]),
  };
}
