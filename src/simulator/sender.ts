// An MLLP client that sends HL7 v2 messages over several connections, the way interface engines
// do: each connection writes frames and reads acknowledgements in order, with at most `window`
// messages awaiting an ACK (1 by default: a real sender waits for each ACK before the next frame).
// Every key (patient) is pinned to one connection by hash, so each patient's messages arrive in
// the order they were given. A message that gets AE, or no ACK in time, is sent again: the same
// bytes, so the same control id (a retransmission the receiver must not process twice), a bounded
// number of times. AR is final. Timeouts and broken connections reconnect and resend what was in
// flight, in order. Messages and keys may be PHI: nothing here logs or reports them.

import { connect, type Socket } from 'node:net';
import { controlIdOf, frame, FrameDecoder, parseAck } from './mllp-frame.ts';
import { fnv1a } from './random.ts';

export type Outcome = 'AA' | 'AR' | 'failed' | 'unsent';

export interface SenderOptions {
  host: string;
  port: number;
  /** Connections to open (default 4). */
  connections?: number;
  /** Messages in flight per connection (default 1). With more, a retried message can arrive after later ones. */
  window?: number;
  /** How long to wait for an ACK before reconnecting and resending (default 10 s). */
  ackTimeoutMs?: number;
  /** Resends allowed after the first attempt, on AE, timeout or broken connection (default 3). */
  maxRetries?: number;
  /** Pause of a connection before resending a message that got AE (default 500 ms). */
  retryDelayMs?: number;
  /** First delay before reconnecting; doubles on each failure up to 10 s (default 250 ms). */
  reconnectDelayMs?: number;
  /** Messages queued (not yet written) over all connections before `ready()` waits (default 1000). */
  queueLimit?: number;
  onProgress?: (progress: SenderProgress) => void;
  /** Interval of `onProgress` calls (default 1000 ms). */
  progressIntervalMs?: number;
}

export interface SenderCounts {
  /** Messages given to `send`. */
  submitted: number;
  /** Distinct messages written at least once. */
  sent: number;
  /** Frames written again (same bytes, same control id). */
  retransmissions: number;
  /** ACKs received, by MSA-1 (enhanced-mode CA/CE/CR counted as AA/AE/AR). */
  acks: { AA: number; AE: number; AR: number };
  /** ACK waits that ran out. */
  timeouts: number;
  /** Connections lost or refused. */
  connectionErrors: number;
  /** ACKs that matched no message in flight (or had no MSA). */
  unmatchedAcks: number;
  /** Final outcomes: accepted, rejected (AR), given up after retries, never sent. */
  accepted: number;
  rejected: number;
  failed: number;
  unsent: number;
}

export interface SenderProgress extends SenderCounts {
  inFlight: number;
  queued: number;
  /** Messages reaching a final outcome per second, over the last interval. */
  rate: number;
  elapsedMs: number;
}

interface Item {
  bytes: Buffer;
  controlId: string;
  attempts: number;
  sentAt: number;
  resolve: (outcome: Outcome) => void;
}

const MAX_RECONNECT_DELAY_MS = 10_000;

type ResolvedOptions = Required<Omit<SenderOptions, 'onProgress'>> & Pick<SenderOptions, 'onProgress'>;

/** One connection: its queue, its in-flight window and its socket. */
class Lane {
  readonly queue: Item[] = [];
  readonly inFlight: Item[] = [];
  socket: Socket | undefined;
  connected = false;
  decoder = new FrameDecoder();
  timer: NodeJS.Timeout | undefined;
  /** Set while the lane waits (reconnect or AE back-off): nothing is written until it clears. */
  pause: NodeJS.Timeout | undefined;
  failures = 0;
}

export class MllpSender {
  readonly #o: ResolvedOptions;
  readonly #lanes: Lane[];
  readonly #counts: SenderCounts = {
    submitted: 0,
    sent: 0,
    retransmissions: 0,
    acks: { AA: 0, AE: 0, AR: 0 },
    timeouts: 0,
    connectionErrors: 0,
    unmatchedAcks: 0,
    accepted: 0,
    rejected: 0,
    failed: 0,
    unsent: 0,
  };
  readonly #startedAt = performance.now();
  #queued = 0;
  #closing = false;
  #closed = false;
  #readyWaiters: (() => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  #progressTimer: NodeJS.Timeout | undefined;
  #lastFinal = 0;
  #lastTick = performance.now();

  constructor(options: SenderOptions) {
    const o = {
      connections: 4,
      window: 1,
      ackTimeoutMs: 10_000,
      maxRetries: 3,
      retryDelayMs: 500,
      reconnectDelayMs: 250,
      queueLimit: 1000,
      progressIntervalMs: 1000,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    } as ResolvedOptions;
    const positiveInt = (v: number): boolean => Number.isSafeInteger(v) && v >= 1;
    if (!positiveInt(o.connections)) throw new RangeError('connections must be a positive integer');
    if (!positiveInt(o.window)) throw new RangeError('window must be a positive integer');
    if (!positiveInt(o.queueLimit)) throw new RangeError('queueLimit must be a positive integer');
    if (!(Number.isSafeInteger(o.maxRetries) && o.maxRetries >= 0)) throw new RangeError('maxRetries must be a non-negative integer');
    if (!(o.ackTimeoutMs > 0) || !(o.progressIntervalMs > 0)) throw new RangeError('timeouts and intervals must be positive');
    if (!(Number.isSafeInteger(o.port) && o.port > 0 && o.port < 65536)) throw new RangeError('port must be 1-65535');
    this.#o = o;
    this.#lanes = Array.from({ length: o.connections }, () => new Lane());
    if (o.onProgress) {
      this.#progressTimer = setInterval(() => o.onProgress?.(this.progress()), o.progressIntervalMs);
      this.#progressTimer.unref();
    }
  }

  /**
   * Queues a message on the connection its key is pinned to. Resolves with its final outcome; never
   * rejects. The control id is read from MSH-10 when not given.
   */
  send(message: string, key: string, controlId = controlIdOf(message)): Promise<Outcome> {
    this.#counts.submitted++;
    if (this.#closing) {
      this.#counts.unsent++;
      return Promise.resolve('unsent');
    }
    const { promise, resolve } = Promise.withResolvers<Outcome>();
    const lane = this.#lanes[fnv1a(key) % this.#lanes.length]!;
    lane.queue.push({ bytes: frame(message), controlId, attempts: 0, sentAt: 0, resolve });
    this.#queued++;
    this.#pump(lane);
    return promise;
  }

  /** Resolves when the queues have room for more (backpressure), or the signal aborts. */
  ready(signal?: AbortSignal): Promise<void> {
    if (this.#queued < this.#o.queueLimit || this.#closing || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      signal?.addEventListener('abort', done, { once: true });
      this.#readyWaiters.push(done);
    });
  }

  progress(): SenderProgress {
    const now = performance.now();
    const c = this.#counts;
    const final = c.accepted + c.rejected + c.failed + c.unsent;
    const seconds = (now - this.#lastTick) / 1000;
    const rate = seconds > 0 ? (final - this.#lastFinal) / seconds : 0;
    this.#lastFinal = final;
    this.#lastTick = now;
    return {
      ...this.#snapshot(),
      inFlight: this.#lanes.reduce((n, l) => n + l.inFlight.length, 0),
      queued: this.#queued,
      rate,
      elapsedMs: now - this.#startedAt,
    };
  }

  /**
   * Stops taking messages, waits up to `drainTimeoutMs` (default 30 s) for everything queued to be
   * acknowledged, then closes the connections. Messages still queued count as unsent, messages still
   * in flight as failed.
   */
  async close(options: { drainTimeoutMs?: number } = {}): Promise<SenderCounts> {
    if (!this.#closed) {
      this.#closing = true;
      this.#wakeReady();
      if (!this.#idle()) {
        const { promise, resolve } = Promise.withResolvers<void>();
        this.#idleWaiters.push(resolve);
        const timer = setTimeout(resolve, options.drainTimeoutMs ?? 30_000);
        await promise;
        clearTimeout(timer);
      }
      this.#closed = true;
      clearInterval(this.#progressTimer);
      for (const lane of this.#lanes) {
        clearTimeout(lane.timer);
        clearTimeout(lane.pause);
        lane.pause = undefined;
        for (const item of lane.inFlight.splice(0)) this.#finish(item, 'failed');
        for (const item of lane.queue.splice(0)) {
          this.#queued--;
          this.#finish(item, 'unsent');
        }
        lane.socket?.destroy();
        lane.socket = undefined;
      }
      this.#o.onProgress?.(this.progress());
    }
    return this.#snapshot();
  }

  #snapshot(): SenderCounts {
    return { ...this.#counts, acks: { ...this.#counts.acks } };
  }

  #idle(): boolean {
    return this.#lanes.every((l) => l.queue.length === 0 && l.inFlight.length === 0);
  }

  #wakeReady(): void {
    if (this.#queued >= this.#o.queueLimit && !this.#closing) return;
    for (const wake of this.#readyWaiters.splice(0)) wake();
  }

  #finish(item: Item, outcome: Outcome): void {
    const c = this.#counts;
    if (outcome === 'AA') c.accepted++;
    else if (outcome === 'AR') c.rejected++;
    else if (outcome === 'failed') c.failed++;
    else c.unsent++;
    item.resolve(outcome);
    if (this.#closing && this.#idle()) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  #pump(lane: Lane): void {
    if (this.#closed || lane.pause) return;
    if (!lane.socket) {
      if (lane.queue.length > 0) this.#connect(lane);
      return;
    }
    if (!lane.connected) return;
    while (lane.inFlight.length < this.#o.window && lane.queue.length > 0) {
      const item = lane.queue.shift()!;
      this.#queued--;
      if (item.attempts === 0) this.#counts.sent++;
      else this.#counts.retransmissions++;
      item.attempts++;
      item.sentAt = performance.now();
      lane.inFlight.push(item);
      lane.socket.write(item.bytes);
      if (lane.inFlight.length === 1) this.#armTimer(lane);
    }
    this.#wakeReady();
  }

  #connect(lane: Lane): void {
    const socket = connect({ host: this.#o.host, port: this.#o.port });
    lane.socket = socket;
    lane.connected = false;
    lane.decoder = new FrameDecoder();
    socket.setNoDelay(true);
    socket.on('connect', () => {
      if (lane.socket !== socket) return;
      lane.connected = true;
      lane.failures = 0;
      this.#pump(lane);
    });
    socket.on('data', (chunk: Buffer) => {
      if (lane.socket !== socket) return;
      for (const text of lane.decoder.push(chunk)) this.#onAck(lane, text);
    });
    // 'close' always follows 'error'; the error itself may name the host, so it is not kept.
    socket.on('error', () => {});
    socket.on('close', () => {
      if (lane.socket !== socket) return;
      // An idle connection the receiver closed is no error; a refused or broken one is.
      if (!lane.connected || lane.inFlight.length > 0) this.#counts.connectionErrors++;
      this.#restart(lane);
    });
  }

  /** Drops the connection, puts what was in flight back at the head of the queue, reconnects later. */
  #restart(lane: Lane): void {
    const socket = lane.socket;
    lane.socket = undefined;
    lane.connected = false;
    socket?.destroy();
    clearTimeout(lane.timer);
    lane.timer = undefined;
    const resend = lane.inFlight.splice(0);
    const keep: Item[] = [];
    for (const item of resend) {
      if (item.attempts > this.#o.maxRetries) this.#finish(item, 'failed');
      else keep.push(item);
    }
    lane.queue.unshift(...keep);
    this.#queued += keep.length;
    if (this.#closed) return;
    const delay = Math.min(MAX_RECONNECT_DELAY_MS, this.#o.reconnectDelayMs * 2 ** lane.failures++);
    this.#hold(lane, delay);
  }

  #hold(lane: Lane, ms: number): void {
    clearTimeout(lane.pause);
    lane.pause = setTimeout(() => {
      lane.pause = undefined;
      this.#pump(lane);
    }, ms);
  }

  #armTimer(lane: Lane): void {
    clearTimeout(lane.timer);
    lane.timer = undefined;
    const head = lane.inFlight[0];
    if (!head) return;
    const wait = Math.max(0, head.sentAt + this.#o.ackTimeoutMs - performance.now());
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      if (lane.inFlight[0] !== head) return;
      // A late ACK could no longer be told apart from the next one: start a fresh connection.
      this.#counts.timeouts++;
      this.#restart(lane);
    }, wait);
  }

  #onAck(lane: Lane, text: string): void {
    const ack = parseAck(text);
    const index = ack ? lane.inFlight.findIndex((i) => i.controlId === ack.controlId) : -1;
    if (!ack || index < 0) {
      this.#counts.unmatchedAcks++;
      return;
    }
    const [item] = lane.inFlight.splice(index, 1) as [Item];
    if (index === 0) this.#armTimer(lane);
    const code = ack.code === 'CA' ? 'AA' : ack.code === 'CR' ? 'AR' : ack.code === 'CE' ? 'AE' : ack.code;
    if (code === 'AA' || code === 'AR') {
      this.#counts.acks[code]++;
      this.#finish(item, code);
    } else {
      // AE, or a code this sender does not know: an error the receiver may get over, so retry.
      if (code === 'AE') this.#counts.acks.AE++;
      if (item.attempts > this.#o.maxRetries) {
        this.#finish(item, 'failed');
      } else {
        // Back to the head of the queue, and the lane waits: nothing overtakes the retried message.
        lane.queue.unshift(item);
        this.#queued++;
        this.#hold(lane, this.#o.retryDelayMs);
        return;
      }
    }
    this.#pump(lane);
  }
}
