// One MLLP connection: decode frames, answer each one, strictly in arrival order. A sender may
// pipeline messages; it gets its ACKs in the same order, because one loop per connection takes
// one frame at a time, awaits its answer and writes it before taking the next. Frames the
// transport cannot hand on (no readable MSH, oversized, interrupted) get an AR in their place in
// that sequence, so they never disturb their neighbours.
import type { Socket } from 'node:net';
import { type AckCode, type AckError, type AckReply, buildAck, buildNak } from './ack.ts';
import type { MllpCounters } from './counters.ts';
import { FS, type MllpItem, MllpDecoder, VT, encodeFrame } from './framing.ts';
import { type MshFields, readMsh } from './msh.ts';
import { logger } from '../../phi/log.ts';

const log = logger('mllp');

/** After we end a connection, how long the peer gets to close its side before it is destroyed. */
const LINGER_MS = 5_000;

export interface MessageInfo {
  connectionId: string;
  remoteAddress: string;
}

/**
 * Takes one HL7 v2 message (the frame's text) and says how to answer it. It resolves only once
 * the message is safe (DESIGN §3, invariant 7: after Kafka acknowledged its event).
 */
export type MllpHandler = (message: string, info: MessageInfo) => Promise<AckReply>;

export interface ConnectionSettings {
  handler: MllpHandler;
  encoding: BufferEncoding;
  maxFrameBytes: number;
  handlerTimeoutMs: number;
  idleTimeoutMs: number;
  maxQueuedFrames: number;
}

interface Answer {
  text: string;
  code: AckCode;
}

// Answers for failures of our own: fixed text, nothing from the exception (it may quote PHI).
const INTERNAL_ERROR: AckError = { segment: 'MSH', sequence: 1, hl7ErrorCode: '207', rule: 'application internal error: the message was not processed; retransmit it' };
const TIMED_OUT: AckError = {
  segment: 'MSH',
  sequence: 1,
  hl7ErrorCode: '207',
  rule: 'message not acknowledged in time: it may or may not have been accepted; retransmit it with the same MSH-10',
};

export class MllpConnection {
  readonly id: string;
  readonly remoteAddress: string;
  /** Settles when the socket has closed. */
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #settings: ConnectionSettings;
  readonly #counters: MllpCounters;
  readonly #decoder: MllpDecoder;
  readonly #idle: NodeJS.Timeout;
  #queue: (MllpItem | undefined)[] = [];
  #head = 0;
  #busy = false;
  #inHandler = false;
  #waitingForDrain = false;
  #running: Promise<void> = Promise.resolve();
  #paused = false;
  #readEnded = false;
  #stopping = false;
  #ended = false;
  #isClosed = false;

  constructor(socket: Socket, id: string, settings: ConnectionSettings, counters: MllpCounters) {
    this.id = id;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.#socket = socket;
    this.#settings = settings;
    this.#counters = counters;
    this.#decoder = new MllpDecoder({ maxFrameBytes: settings.maxFrameBytes });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('error', (err: NodeJS.ErrnoException) => log.info({ connectionId: id, code: err.code ?? err.name }, 'connection error'));
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#isClosed = true;
        clearTimeout(this.#idle);
        resolve();
      });
    });
    this.#idle = setTimeout(() => this.#onIdle(), settings.idleTimeoutMs);
    this.#idle.unref();
  }

  get #pending(): number {
    return this.#queue.length - this.#head;
  }

  /**
   * Graceful end: take no new frames, let the one in flight be answered, then close. Frames
   * queued but not started are left unanswered: the sender retransmits them to the next gateway.
   */
  async shutdown(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#socket.pause();
      const dropped = this.#pending;
      this.#queue = [];
      this.#head = 0;
      if (dropped > 0) log.info({ connectionId: this.id, frames: dropped }, 'frames left unanswered at shutdown');
    }
    await this.#running;
    this.#end();
    await this.closed;
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.#stopping) return;
    this.#idle.refresh();
    const garbageBefore = this.#decoder.garbageBytes;
    const items = this.#decoder.push(chunk);
    this.#counters.garbageBytes += this.#decoder.garbageBytes - garbageBefore;
    for (const item of items) {
      this.#counters.framesReceived++;
      if (item.type === 'oversized') this.#counters.oversizedFrames++;
      if (item.type === 'interrupted') this.#counters.interruptedFrames++;
      this.#queue.push(item);
    }
    // Backpressure: stop reading while the queue is long. One chunk may still add many frames
    // past the limit, but a chunk is already in memory, so memory stays bounded by it.
    if (!this.#paused && this.#pending >= this.#settings.maxQueuedFrames) {
      this.#paused = true;
      this.#socket.pause();
    }
    this.#kick();
  }

  #onEnd(): void {
    this.#readEnded = true;
    const lost = this.#decoder.pendingBytes;
    if (lost > 0) log.info({ connectionId: this.id, bytes: lost }, 'connection ended inside a frame; partial frame discarded');
    if (!this.#busy && this.#pending === 0) this.#end();
  }

  #onIdle(): void {
    if (this.#isClosed || this.#stopping) return;
    // Waiting on our own handler is not idleness (and the handler timeout bounds it). A peer that
    // neither sends nor reads its ACKs is: otherwise it would hold a connection slot forever.
    if (this.#inHandler || (this.#busy && !this.#waitingForDrain)) {
      this.#idle.refresh();
      return;
    }
    this.#counters.connectionsIdleClosed++;
    const unread = this.#waitingForDrain;
    log.info({ connectionId: this.id, idleMs: this.#settings.idleTimeoutMs, partialBytes: this.#decoder.pendingBytes, unreadAcks: unread }, 'idle connection closed');
    this.#stopping = true;
    if (unread) this.#socket.destroy(); // ending would wait behind ACKs the peer does not read
    else this.#end();
  }

  #kick(): void {
    if (this.#busy || this.#pending === 0) return;
    this.#busy = true;
    this.#running = this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      while (!this.#stopping && !this.#isClosed && !this.#socket.destroyed) {
        const item = this.#shift();
        if (!item) break;
        this.#inHandler = true;
        const answer = await this.#answer(item).finally(() => (this.#inHandler = false));
        // A closed peer cannot take its answer; it will retransmit what it has no ACK for.
        if (this.#isClosed || this.#socket.destroyed) break;
        this.#counters.acks[answer.code]++;
        if (!this.#socket.write(this.#frame(answer.text))) {
          this.#waitingForDrain = true;
          await this.#writable();
          this.#waitingForDrain = false;
        }
      }
    } catch (err) {
      log.error({ connectionId: this.id, error: err instanceof Error ? err.name : typeof err }, 'connection loop failed; closing');
      this.#socket.destroy();
    } finally {
      this.#busy = false;
    }
    if (this.#readEnded && this.#pending === 0 && !this.#stopping) this.#end();
  }

  #shift(): MllpItem | undefined {
    if (this.#head === this.#queue.length) return undefined;
    const item = this.#queue[this.#head];
    this.#queue[this.#head++] = undefined;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
    if (this.#paused && this.#pending <= Math.floor(this.#settings.maxQueuedFrames / 2)) {
      this.#paused = false;
      this.#socket.resume();
    }
    return item;
  }

  async #answer(item: MllpItem): Promise<Answer> {
    const encoding = this.#settings.encoding;
    if (item.type === 'frame') {
      const message = item.payload.toString(encoding);
      const reading = readMsh(message);
      if (!reading.readable) return this.#nak(reading.msh, reading.error, 'unreadable MSH', item.payload.length);
      const reply = await this.#handle(message, reading.msh.controlId);
      log.debug({ connectionId: this.id, controlId: reading.msh.controlId, code: reply.code, bytes: item.payload.length }, 'message answered');
      return { text: buildAck(reading.msh, reply), code: reply.code };
    }
    if (item.type === 'oversized') {
      const { msh } = readMsh(item.head.toString(encoding));
      const rule = `message is larger than the ${this.#settings.maxFrameBytes}-byte limit for one MLLP frame`;
      return this.#nak(msh, { segment: 'MSH', sequence: 1, hl7ErrorCode: '104', rule }, 'oversized', item.head.length);
    }
    const { msh } = readMsh(item.payload.toString(encoding));
    const rule = 'MLLP frame interrupted: a start block (0x0B) arrived before its end block (0x1C 0x0D)';
    return this.#nak(msh, { segment: 'MSH', sequence: 1, hl7ErrorCode: '100', rule }, 'interrupted', item.payload.length);
  }

  #nak(msh: MshFields, error: AckError, reason: string, bytes: number): Answer {
    this.#counters.naks++;
    log.info({ connectionId: this.id, reason, controlId: msh.controlId || undefined, hl7ErrorCode: error.hl7ErrorCode, bytes }, 'frame refused');
    return { text: buildNak(msh, [error]), code: 'AR' };
  }

  // The handler's promise is raced against a timeout so that one stuck message cannot block its
  // connection forever. After a timeout the handler may still finish and its event may still be
  // written: the sender, having got AE, retransmits, and the duplicate is dropped downstream by
  // MSH-10 (invariant 7). Until it settles, that handler overlaps the connection's next message.
  async #handle(message: string, controlId: string): Promise<AckReply> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#settings.handlerTimeoutMs);
    });
    const handled = Promise.resolve().then(() => this.#settings.handler(message, { connectionId: this.id, remoteAddress: this.remoteAddress }));
    handled.catch(() => undefined); // a handler that fails after its timeout must not go unhandled
    try {
      const result = await Promise.race([handled, timedOut]);
      if (result === 'timeout') {
        this.#counters.handlerTimeouts++;
        log.warn({ connectionId: this.id, controlId, timeoutMs: this.#settings.handlerTimeoutMs }, 'handler did not answer in time');
        return { code: 'AE', errors: [TIMED_OUT] };
      }
      if (!isReply(result)) throw new TypeError('handler returned no valid AckReply');
      return result;
    } catch (err) {
      this.#counters.handlerErrors++;
      log.error({ connectionId: this.id, controlId, error: err instanceof Error ? err.name : typeof err }, 'handler failed');
      return { code: 'AE', errors: [INTERNAL_ERROR] };
    } finally {
      clearTimeout(timer);
    }
  }

  #frame(text: string): Buffer {
    // A handler's rule text in a single-byte encoding could map a character onto a framing
    // byte; such a byte is never part of a valid answer, so it becomes a space.
    const body = Buffer.from(text, this.#settings.encoding);
    for (let i = 0; i < body.length; i++) if (body[i] === VT || body[i] === FS) body[i] = 0x20;
    return encodeFrame(body);
  }

  #writable(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#socket.off('drain', done);
        this.#socket.off('close', done);
        resolve();
      };
      this.#socket.on('drain', done);
      this.#socket.on('close', done);
    });
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#idle);
    this.#socket.end();
    const linger = setTimeout(() => this.#socket.destroy(), LINGER_MS);
    linger.unref();
    this.#socket.once('close', () => clearTimeout(linger));
  }
}

function isReply(value: unknown): value is AckReply {
  if (typeof value !== 'object' || value === null) return false;
  const reply = value as { code?: unknown; errors?: unknown };
  if (reply.code === 'AA') return true;
  return (reply.code === 'AE' || reply.code === 'AR') && Array.isArray(reply.errors) && reply.errors.every(isAckError);
}

function isAckError(value: unknown): value is AckError {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  const optionalNumber = (n: unknown): boolean => n === undefined || typeof n === 'number';
  return typeof e.segment === 'string' && typeof e.hl7ErrorCode === 'string' && typeof e.rule === 'string' && optionalNumber(e.sequence) && optionalNumber(e.field);
}
