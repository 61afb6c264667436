// HL7 v2 over MLLP into Kafka: map the message to events, write them (acks=all), and only then
// answer AA. A retransmission (same MSH-4 + MSH-10) is answered AA without a second write.
import type { EventProducer } from '../kafka/event-producer.ts';
import { KafkaUnavailableError } from '../kafka/event-producer.ts';
import { logger } from '../phi/log.ts';
import type { Sql } from '../store/db.ts';
import { Hl7MappingError, type Hl7MapperOptions, mapHl7Message } from './hl7/mapper.ts';
import type { AckError, AckReply, MllpHandler } from './mllp/server.ts';

const log = logger('hl7-intake');

export interface Hl7IntakeOptions {
  producer: EventProducer;
  db: Sql;
  mapper: Hl7MapperOptions;
}

export interface Hl7IntakeCounters {
  accepted: number;
  retransmissions: number;
  rejected: number;
  unavailable: number;
}

export function createHl7Intake(opts: Hl7IntakeOptions): { handler: MllpHandler; counters: Hl7IntakeCounters } {
  const counters: Hl7IntakeCounters = { accepted: 0, retransmissions: 0, rejected: 0, unavailable: 0 };

  const handler: MllpHandler = async (message, info) => {
    let mapped;
    try {
      mapped = mapHl7Message(message, opts.mapper);
    } catch (err) {
      if (!(err instanceof Hl7MappingError)) throw err;
      counters.rejected++;
      log.warn({ connection: info.connectionId, controlId: err.header.controlId, type: err.header.messageType, issues: err.issues.length }, 'HL7 message rejected');
      return {
        code: err.ackCode,
        errors: err.issues.map(
          (i): AckError => ({ segment: i.segment, sequence: i.sequence, field: i.position, hl7ErrorCode: i.hl7ErrorCode, rule: i.rule }),
        ),
      };
    }
    const { sendingFacility, controlId, messageType } = mapped.header;
    const seen = await opts.db.query('SELECT 1 FROM mllp_received WHERE sending_facility = $1 AND control_id = $2', [sendingFacility, controlId]);
    if (seen.length > 0) {
      counters.retransmissions++;
      log.info({ connection: info.connectionId, controlId, type: messageType }, 'retransmission acknowledged again');
      return { code: 'AA' };
    }
    try {
      await opts.producer.send(mapped.events, { source: `urn:vigil:mllp:${encodeURIComponent(sendingFacility)}`, receivedTime: new Date().toISOString() });
    } catch (err) {
      if (!(err instanceof KafkaUnavailableError)) throw err;
      counters.unavailable++;
      log.error({ connection: info.connectionId, controlId, reason: err.message }, 'not written: Kafka did not acknowledge');
      return { code: 'AE', errors: [{ segment: 'MSH', sequence: 1, field: 10, hl7ErrorCode: '207', rule: 'message not stored (event log unavailable); send it again' }] } satisfies AckReply;
    }
    // After the write: a crash in between means a retransmission is written again, with the same
    // event ids, which consumers deduplicate (effects are keyed by event id).
    await opts.db.query('INSERT INTO mllp_received (sending_facility, control_id, events) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [sendingFacility, controlId, mapped.events.length]);
    counters.accepted++;
    log.info({ connection: info.connectionId, controlId, type: messageType, count: mapped.events.length }, 'HL7 message accepted');
    return { code: 'AA' };
  };
  return { handler, counters };
}
