// Copies the append-only audit_log table to the audit topic, in id order: the table is written
// where an action happens (dashboard, CLI, forget-patient), so no action waits on Kafka and none is
// lost while the broker is away. At least once: a row copied just before a crash is copied again
// with the same id, which readers use to drop the repeat. Rows hold no PHI (targets are refs).
import { setTimeout as sleep } from 'node:timers/promises';
import { Producer, stringSerializer } from '@platformatic/kafka';
import { type KafkaConnection, kafkaClientOptions } from '../kafka/connection.ts';
import { logger } from './log.ts';
import type { Sql } from '../store/db.ts';

const log = logger('audit-relay');
const BATCH = 500;
// The client's idempotent send can wait a long time for a broker that is away: give up the round.
const SEND_TIMEOUT_MS = 30_000;

export interface AuditRelayOptions extends KafkaConnection {
  db: Sql;
  clientId: string;
  topic: string;
  /** Time between rounds; 1 s by default. */
  intervalMs?: number;
}

interface Row {
  id: string;
  at: Date | string;
  actor: string;
  action: string;
  target: string;
  reason: string | null;
}

export class AuditRelay {
  readonly #opts: AuditRelayOptions;
  readonly #producer: Producer<string, string, string, string>;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<number> | undefined;

  constructor(opts: AuditRelayOptions) {
    this.#opts = opts;
    this.#producer = new Producer({
      clientId: `${opts.clientId}-audit`,
      ...kafkaClientOptions(opts),
      idempotent: true,
      acks: -1,
      serializers: { key: stringSerializer, value: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
    });
  }

  start(): void {
    this.#timer = setInterval(() => void this.relay().catch((err: unknown) => log.warn({ error: (err as Error).name }, 'audit relay round failed; retrying')), this.#opts.intervalMs ?? 1_000);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#round?.catch(() => 0);
    await this.relay().catch(() => 0);
    await this.#producer.close();
  }

  /** One round: copies what is new, returns how many rows. One round at a time. */
  relay(): Promise<number> {
    this.#round ??= this.#copy().finally(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  async #copy(): Promise<number> {
    const { db, topic } = this.#opts;
    let copied = 0;
    for (;;) {
      const [mark] = await db.query<{ last_id: string }>('SELECT last_id::text FROM audit_relay WHERE topic = $1', [topic]);
      const rows = await db.query<Row>('SELECT id::text, at, actor, action, target, reason FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2', [mark?.last_id ?? '0', BATCH]);
      if (rows.length === 0) return copied;
      const sent = this.#producer.send({
        messages: rows.map((r) => ({
          topic,
          key: r.actor,
          value: JSON.stringify({ id: Number(r.id), at: new Date(r.at).toISOString(), actor: r.actor, action: r.action, target: r.target, reason: r.reason }),
          headers: { 'content-type': 'application/json', vigil_audit_id: r.id },
        })),
      });
      const timedOut = sleep(SEND_TIMEOUT_MS, 'timeout', { ref: false });
      if ((await Promise.race([sent, timedOut])) === 'timeout') throw new Error('the audit topic did not acknowledge in time');
      const last = (rows.at(-1) as Row).id;
      await db.query('INSERT INTO audit_relay (topic, last_id) VALUES ($1, $2) ON CONFLICT (topic) DO UPDATE SET last_id = EXCLUDED.last_id', [topic, last]);
      copied += rows.length;
    }
  }
}
