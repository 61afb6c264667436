// MLLP framing (HL7 v2 minimal lower layer protocol): <VT> message <FS><CR>. The decoder is
// incremental and never throws on input: senders split frames over chunks, coalesce several in
// one, put junk between them and sometimes break the rules, and a gateway must survive all of it
// (DESIGN §3, invariant 6) while holding at most `maxFrameBytes` of any one frame in memory.
//
// Rules, in the order a byte meets them:
// - Between frames every byte except <VT> is garbage: skipped and counted, never fatal. (A lone
//   CR or LF after <FS><CR> is common from some senders; it is counted too, and harmless.)
// - <VT> opens a frame. A <VT> inside an open frame means the sender gave up on it and started
//   again (a retransmission after its own timeout, say): the partial frame is reported as
//   'interrupted' (so it can be answered, never silently dropped) and the new frame starts.
// - <FS> closes the frame. <CR> should follow; if the next byte is anything else the frame
//   still counts as complete (a sender waiting for its ACK would otherwise hang), and that byte
//   is read as if between frames. A <CR> that arrives later, in its own chunk, is consumed.
// - A frame that grows past `maxFrameBytes` is reported once as 'oversized' (with its first
//   bytes, so its MSH can be read for the answer); the rest of it is discarded until its <FS>
//   or a new <VT>, and decoding resumes after it.

export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;

export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
/** Bytes of an oversized frame kept so that its MSH segment can still be read. */
export const OVERSIZED_HEAD_BYTES = 4096;

export type MllpItem =
  /** A complete frame's content, without <VT> and <FS><CR>. */
  | { type: 'frame'; payload: Buffer }
  /** A frame past the limit: `head` is its first bytes; the rest is being discarded. */
  | { type: 'oversized'; head: Buffer }
  /** A frame cut short by a new <VT>: what had arrived of it (at most the limit). */
  | { type: 'interrupted'; payload: Buffer };

export interface MllpDecoderOptions {
  /** Largest frame content, in bytes, that is buffered and delivered. */
  maxFrameBytes?: number;
}

type State = 'between' | 'inFrame' | 'discarding' | 'afterFs';

export class MllpDecoder {
  readonly maxFrameBytes: number;
  #state: State = 'between';
  #parts: Buffer[] = [];
  #size = 0;
  #garbageBytes = 0;

  constructor(opts: MllpDecoderOptions = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(this.maxFrameBytes) || this.maxFrameBytes < 1) throw new RangeError('maxFrameBytes must be a positive integer');
  }

  /** Bytes seen outside any frame so far. */
  get garbageBytes(): number {
    return this.#garbageBytes;
  }

  /** Bytes of a frame that has started but not ended (lost if the connection ends now). */
  get pendingBytes(): number {
    return this.#state === 'inFrame' || this.#state === 'discarding' ? this.#size : 0;
  }

  /** Feeds one chunk; returns the items it completed, in stream order. */
  push(chunk: Uint8Array): MllpItem[] {
    const items: MllpItem[] = [];
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let i = 0;
    while (i < buf.length) {
      switch (this.#state) {
        case 'afterFs':
          this.#state = 'between';
          if (buf[i] === CR) i++;
          break;
        case 'between': {
          const vt = buf.indexOf(VT, i);
          const end = vt === -1 ? buf.length : vt;
          this.#garbageBytes += end - i;
          i = end;
          if (vt !== -1) {
            this.#startFrame();
            i++;
          }
          break;
        }
        case 'inFrame':
        case 'discarding': {
          const stop = nextControl(buf, i);
          const end = stop === -1 ? buf.length : stop;
          this.#take(buf.subarray(i, end), items);
          i = end;
          if (stop === -1) break;
          if (buf[stop] === FS) {
            if (this.#state === 'inFrame') items.push({ type: 'frame', payload: this.#collect() });
            this.#reset('afterFs');
          } else {
            // <VT> inside a frame: see the rules above.
            if (this.#state === 'inFrame') items.push({ type: 'interrupted', payload: this.#collect() });
            this.#startFrame();
          }
          i++;
          break;
        }
      }
    }
    return items;
  }

  #startFrame(): void {
    this.#reset('inFrame');
  }

  #reset(state: State): void {
    this.#state = state;
    this.#parts = [];
    this.#size = 0;
  }

  #take(piece: Buffer, items: MllpItem[]): void {
    if (piece.length === 0) return;
    this.#size += piece.length;
    if (this.#state === 'discarding') return;
    if (this.#size <= this.maxFrameBytes) {
      this.#parts.push(piece);
      return;
    }
    // Past the limit: keep only the head for the answer, drop the rest as it comes.
    const have = this.#size - piece.length;
    const head = Buffer.concat([...this.#parts, piece.subarray(0, Math.max(0, OVERSIZED_HEAD_BYTES - have))]);
    items.push({ type: 'oversized', head: Buffer.from(head.subarray(0, OVERSIZED_HEAD_BYTES)) });
    this.#parts = [];
    this.#state = 'discarding';
  }

  #collect(): Buffer {
    // One part is the common case (a frame inside one chunk): copy it so that the frame does
    // not pin the whole socket chunk in memory while it waits in a queue.
    return Buffer.concat(this.#parts, this.#size);
  }
}

// One pass for either byte: two indexOf calls would rescan the rest of the chunk per frame.
function nextControl(buf: Buffer, from: number): number {
  for (let i = from; i < buf.length; i++) {
    const b = buf[i];
    if (b === FS || b === VT) return i;
  }
  return -1;
}

/** Wraps one message in an MLLP frame. Refuses content that would break the framing. */
export function encodeFrame(message: string | Uint8Array, encoding: BufferEncoding = 'utf8'): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message, encoding) : message;
  if (body.includes(VT) || body.includes(FS)) throw new RangeError('MLLP frame content must not contain 0x0B or 0x1C');
  const out = Buffer.allocUnsafe(body.length + 3);
  out[0] = VT;
  out.set(body, 1);
  out[body.length + 1] = FS;
  out[body.length + 2] = CR;
  return out;
}
