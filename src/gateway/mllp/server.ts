// MLLP server: HL7 v2 over TCP. We own the framing and the per-connection order (DESIGN §6: the
// library servers dispatch without waiting and drop frames next to a bad one): each connection answers
// its messages one at a time, in arrival order; connections run concurrently. The handler
// (HL7-to-event mapping and the Kafka produce) decides AA/AE/AR; this file builds the bytes.
import { type Server, type Socket, createServer } from 'node:net';
import { type MllpHandler, type MessageInfo, MllpConnection } from './connection.ts';
import { type MllpCounters, newCounters } from './counters.ts';
import { DEFAULT_MAX_FRAME_BYTES } from './framing.ts';
import { logger } from '../../phi/log.ts';

export type { MllpHandler, MessageInfo };
export type { AckError, AckReply } from './ack.ts';
export type { MllpCounters };

const log = logger('mllp');

export interface MllpServerOptions {
  handler: MllpHandler;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (any free port; read `port` after `listen`). */
  port?: number;
  /** Character encoding of frames and answers. Default 'utf8'. */
  encoding?: BufferEncoding;
  /** Largest message in bytes; a larger one is answered AR. Default 1 MiB. */
  maxFrameBytes?: number;
  /**
   * How long one message may take before it is answered AE 207. Default 30 s. The message may
   * still be written after that: the sender retransmits it and MSH-10 dedupe drops the copy.
   */
  handlerTimeoutMs?: number;
  /** Open connections; more are closed on arrival. Default 100. */
  maxConnections?: number;
  /** A connection with no data for this long (and nothing in flight) is closed. Default 5 min. */
  idleTimeoutMs?: number;
  /** Frames queued per connection before it stops reading. Default 64. */
  maxQueuedFrames?: number;
  /** Longest wait in `close()` for messages in flight. Default 10 s. */
  closeTimeoutMs?: number;
}

export class MllpServer {
  readonly #opts: Required<MllpServerOptions>;
  readonly #counters: MllpCounters = newCounters();
  readonly #connections = new Set<MllpConnection>();
  #server: Server | undefined;
  #nextId = 1;
  #closing: Promise<void> | undefined;

  constructor(opts: MllpServerOptions) {
    this.#opts = {
      host: '127.0.0.1',
      port: 0,
      encoding: 'utf8',
      maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
      handlerTimeoutMs: 30_000,
      maxConnections: 100,
      idleTimeoutMs: 5 * 60_000,
      maxQueuedFrames: 64,
      closeTimeoutMs: 10_000,
      ...withoutUndefined(opts),
      handler: opts.handler,
    };
    for (const key of ['maxFrameBytes', 'handlerTimeoutMs', 'maxConnections', 'idleTimeoutMs', 'maxQueuedFrames', 'closeTimeoutMs'] as const) {
      const value = this.#opts[key];
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${key} must be a positive integer`);
    }
    if (!Buffer.isEncoding(this.#opts.encoding)) throw new RangeError('encoding must be a Buffer encoding');
  }

  /** Starts listening; resolves with the bound port. */
  async listen(): Promise<number> {
    if (this.#server) throw new Error('MLLP server already started');
    // allowHalfOpen: a sender may shut down its side after its last message and still read ACKs.
    const server = createServer({ allowHalfOpen: true }, (socket) => this.#accept(socket));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#opts.port, this.#opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err: NodeJS.ErrnoException) => log.error({ code: err.code ?? err.name }, 'MLLP server error'));
    log.info({ host: this.#opts.host, port: this.port }, 'MLLP server listening');
    return this.port;
  }

  /** The bound port (0 before `listen`). */
  get port(): number {
    const address = this.#server?.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** A snapshot of the counters. */
  counters(): MllpCounters {
    return { ...this.#counters, acks: { ...this.#counters.acks } };
  }

  /**
   * Stops accepting, lets messages in flight be answered (for at most `closeTimeoutMs`), then
   * closes every connection. Frames not yet started stay unanswered and the senders resend them.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    const connections = [...this.#connections];
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#opts.closeTimeoutMs);
    });
    await Promise.race([Promise.all(connections.map((c) => c.shutdown())), deadline]);
    clearTimeout(timer);
    for (const c of this.#connections) c.destroy();
    await stopped;
    log.info({ ...this.counters() }, 'MLLP server closed');
  }

  #accept(socket: Socket): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    if (this.#connections.size >= this.#opts.maxConnections) {
      this.#counters.connectionsRefused++;
      log.warn({ remoteAddress: socket.remoteAddress, open: this.#connections.size, refused: this.#counters.connectionsRefused }, 'connection refused: limit reached');
      socket.on('error', () => undefined); // a reset while we drop it is expected
      socket.destroy();
      return;
    }
    const id = `mllp-${this.#nextId++}`;
    const { handler, encoding, maxFrameBytes, handlerTimeoutMs, idleTimeoutMs, maxQueuedFrames } = this.#opts;
    const connection = new MllpConnection(socket, id, { handler, encoding, maxFrameBytes, handlerTimeoutMs, idleTimeoutMs, maxQueuedFrames }, this.#counters);
    this.#connections.add(connection);
    this.#counters.connectionsAccepted++;
    this.#counters.connectionsOpen = this.#connections.size;
    log.info({ connectionId: id, remoteAddress: connection.remoteAddress }, 'connection opened');
    void connection.closed.then(() => {
      this.#connections.delete(connection);
      this.#counters.connectionsOpen = this.#connections.size;
      log.info({ connectionId: id }, 'connection closed');
    });
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
