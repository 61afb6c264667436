// The care-gap due sweeper: rules that depend on time passing (no follow-up 7 days after a
// discharge, an HbA1c a year old) must fire when the time comes, not when the patient's next event
// happens to arrive. The care-gap worker stores each patient's next wake time; the sweeper, on a
// clock it is given, finds the wake times that have come and produces one `care_gap_due` event per
// patient and wake time into hl7-adt-events, through the normal idempotent producer, keyed by the
// patient: so the tick takes its turn in the patient's partition, in order with their other events,
// and the worker handles it exactly once like any event. Its event id is derived from the patient,
// the wake time and the rules due, so a repeated sweep (a crash before the wake was marked
// emitted) makes a duplicate the worker drops, never a second effect.
import type { ClinicalEvent } from '../event/envelope.ts';
import type { EventProducer } from '../kafka/event-producer.ts';
import { PeriodicTask } from '../periodic.ts';
import { logger } from '../phi/log.ts';
import { careGapDueEventId } from '../processors/care-gap-detection.ts';
import { type DueWake, dueWakes, markWakesEmitted } from '../store/care-gaps.ts';
import type { Sql } from '../store/db.ts';

const log = logger('care-gap-sweeper');
export const SWEEPER_SOURCE = 'urn:vigil:care-gap-sweeper';

export interface SweeperOptions {
  db: Sql;
  producer: Pick<EventProducer, 'send'>;
  /** The sweeper's clock (injectable for tests). */
  now?: () => Date;
  intervalMs?: number;
  /** Due events produced per batch. */
  batch?: number;
}

export function careGapDueEvent(wake: DueWake): ClinicalEvent {
  return {
    event_id: careGapDueEventId(wake.patientId, wake.wakeAt, wake.rules),
    event_type: 'care_gap_due',
    patient_id: wake.patientId,
    encounter_id: null,
    event_timestamp: wake.wakeAt,
    payload: { due_at: wake.wakeAt, rules: wake.rules },
  };
}

export class CareGapSweeper {
  readonly #opts: Required<Omit<SweeperOptions, 'now'>> & { now: () => Date };
  readonly #task: PeriodicTask;

  constructor(opts: SweeperOptions) {
    this.#opts = { intervalMs: 60_000, batch: 500, now: () => new Date(), ...opts };
    this.#task = new PeriodicTask(() => this.sweep(), this.#opts.intervalMs, (err) =>
      log.warn({ error: (err as Error).name }, 'care gap sweep failed; next pass retries'),
    );
  }

  /** One pass: every wake that has come is produced (acknowledged by Kafka) and then marked. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.#opts.now();
      const wakes = await dueWakes(this.#opts.db, now, this.#opts.batch);
      if (wakes.length === 0) break;
      await this.#opts.producer.send(wakes.map(careGapDueEvent), { source: SWEEPER_SOURCE, receivedTime: new Date().toISOString() });
      await markWakesEmitted(this.#opts.db, wakes, now);
      total += wakes.length;
      if (wakes.length < this.#opts.batch) break;
    }
    if (total > 0) log.info({ count: total }, 'care gap due events produced');
    return total;
  }

  start(): void {
    this.#task.start();
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }
}
