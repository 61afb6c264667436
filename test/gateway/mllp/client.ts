// A small MLLP sender for tests: writes raw bytes or framed messages over a real loopback socket
// and collects the frames that come back, in order.
import { type Socket, connect } from 'node:net';
import { MllpDecoder, encodeFrame } from '../../../src/gateway/mllp/framing.ts';

// A guard against a hung test, not a timing assertion: well above anything the tests wait for.
const WAIT_MS = 10_000;

export class MllpTestClient {
  readonly #socket: Socket;
  readonly #decoder = new MllpDecoder();
  readonly #received: string[] = [];
  #waiters: (() => void)[] = [];
  /** Settles when the server has closed the connection (or it failed). */
  readonly closed: Promise<void>;

  private constructor(socket: Socket, encoding: BufferEncoding) {
    this.#socket = socket;
    socket.setNoDelay(true); // small writes leave as they were written, to split frames for real
    socket.on('data', (chunk: Buffer) => {
      for (const item of this.#decoder.push(chunk)) if (item.type === 'frame') this.#received.push(item.payload.toString(encoding));
      this.#wake();
    });
    socket.on('error', () => undefined); // a refused or reset connection shows up as `closed`
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => this.#wake());
  }

  static connect(port: number, encoding: BufferEncoding = 'utf8'): Promise<MllpTestClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.off('error', reject);
        resolve(new MllpTestClient(socket, encoding));
      });
      socket.once('error', reject);
    });
  }

  /** Writes raw bytes, exactly as given. */
  write(data: Uint8Array | string): Promise<void> {
    return new Promise((resolve, reject) => this.#socket.write(data, (err) => (err ? reject(err) : resolve())));
  }

  /** Writes one message as one MLLP frame. */
  send(message: string): Promise<void> {
    return this.write(encodeFrame(message));
  }

  /** Waits for `count` answers (in the order they arrived) and removes them from the inbox. */
  async take(count: number): Promise<string[]> {
    const deadline = Date.now() + WAIT_MS;
    while (this.#received.length < count) {
      if (this.#socket.destroyed) {
        throw new Error(`connection closed after ${this.#received.length} of ${count} answers`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${this.#received.length} of ${count} answers arrived`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.#received.splice(0, count);
  }

  async next(): Promise<string> {
    const [answer] = await this.take(1);
    return answer as string;
  }

  /** Answers received and not yet taken. */
  get pending(): number {
    return this.#received.length;
  }

  /** Stops reading answers, as a sender that never reads its ACKs would. */
  pause(): void {
    this.#socket.pause();
  }

  end(): void {
    this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
