// Writes clinical events to Kafka: routed and keyed per the topology, idempotent with acks=all.
import { Producer, compatibilityPartitioner, stringSerializer } from '@platformatic/kafka';
import { type EventMetadata, type Headers, encodeEvent } from '../event/codec.ts';
import type { ClinicalEvent } from '../event/envelope.ts';
import { type KafkaConnection, kafkaClientOptions } from './connection.ts';
import { routeEvent } from '../topology/route.ts';
import type { Topology } from '../topology/topology.ts';

export class KafkaUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KafkaUnavailableError';
  }
}

export interface EventProducerOptions extends KafkaConnection {
  clientId: string;
  topology: Topology;
  /** A send not acknowledged within this time fails (the idempotent client itself retries for long). */
  ackTimeoutMs: number;
  /** Seals each event's payload before it is written (PHI encryption); absent: written as it is. */
  seal?: (event: ClinicalEvent) => Promise<{ event: ClinicalEvent; headers: Headers }>;
}

export class EventProducer {
  readonly #producer: Producer<Buffer, Buffer, string, string>;
  readonly #topology: Topology;
  readonly #ackTimeoutMs: number;
  readonly #seal: EventProducerOptions['seal'];

  constructor(opts: EventProducerOptions) {
    this.#topology = opts.topology;
    this.#seal = opts.seal;
    this.#ackTimeoutMs = opts.ackTimeoutMs;
    this.#producer = new Producer<Buffer, Buffer, string, string>({
      clientId: opts.clientId,
      ...kafkaClientOptions(opts),
      idempotent: true,
      acks: -1,
      // Same key -> same partition as Kafka's Java client, so every producer agrees on a patient's partition.
      partitioner: compatibilityPartitioner,
      serializers: { headerKey: stringSerializer, headerValue: stringSerializer },
    });
  }

  /**
   * Sends events (already validated) and resolves with the number of records written once Kafka
   * acknowledged every one. Events are routed before anything is sent: a routing error sends nothing.
   */
  async send(events: ClinicalEvent[], meta: Omit<EventMetadata, 'schemaVersion'>): Promise<number> {
    const routes = events.map((event) => routeEvent(this.#topology, event));
    const seal = this.#seal;
    const sealed = seal ? await Promise.all(events.map((event) => seal(event))) : events.map((event) => ({ event, headers: {} }));
    const messages = sealed.flatMap(({ event, headers: extra }, i) => {
      const { value, headers: own } = encodeEvent(event, meta);
      const headers = { ...own, ...extra };
      return (routes[i] ?? []).map((route) => ({
        topic: route.topic,
        key: Buffer.from(route.key),
        value,
        headers,
      }));
    });
    if (messages.length === 0) return 0;

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new KafkaUnavailableError(`Kafka did not acknowledge within ${this.#ackTimeoutMs} ms`)),
        this.#ackTimeoutMs,
      );
    });
    try {
      await Promise.race([this.#producer.send({ messages }), timeout]);
      return messages.length;
    } catch (err) {
      if (err instanceof KafkaUnavailableError) throw err;
      throw new KafkaUnavailableError(`Kafka refused the write: ${(err as Error).name}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** force: drop unacknowledged sends instead of waiting for them (an unreachable cluster). */
  async close(force = false): Promise<void> {
    await this.#producer.close(force);
  }
}
