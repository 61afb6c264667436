// Plain counters for the MLLP server, read by the metrics layer later. Numbers only: no label
// ever carries a message value.
import type { AckCode } from './ack.ts';

export interface MllpCounters {
  connectionsOpen: number;
  connectionsAccepted: number;
  /** Closed on arrival because `maxConnections` were open. */
  connectionsRefused: number;
  connectionsIdleClosed: number;
  /** Every frame that earns an answer: complete, oversized or interrupted. */
  framesReceived: number;
  /** Bytes outside any frame, skipped. */
  garbageBytes: number;
  oversizedFrames: number;
  interruptedFrames: number;
  /** ARs the transport sent without consulting the handler (unreadable MSH, oversized, interrupted). */
  naks: number;
  handlerErrors: number;
  handlerTimeouts: number;
  /** Answers written, by MSA-1. */
  acks: Record<AckCode, number>;
}

export function newCounters(): MllpCounters {
  return {
    connectionsOpen: 0,
    connectionsAccepted: 0,
    connectionsRefused: 0,
    connectionsIdleClosed: 0,
    framesReceived: 0,
    garbageBytes: 0,
    oversizedFrames: 0,
    interruptedFrames: 0,
    naks: 0,
    handlerErrors: 0,
    handlerTimeouts: 0,
    acks: { AA: 0, AE: 0, AR: 0 },
  };
}
