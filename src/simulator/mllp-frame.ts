// MLLP framing (HL7 v2 Minimal Lower Layer Protocol, release 2): each message travels as
// <VT> message <FS><CR>. The decoder is tolerant of chunks split anywhere and of stray bytes
// between frames, which it skips.

export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;

export function frame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  const out = Buffer.allocUnsafe(body.length + 3);
  out[0] = VT;
  body.copy(out, 1);
  out[body.length + 1] = FS;
  out[body.length + 2] = CR;
  return out;
}

export class FrameDecoder {
  #buffer: Buffer = Buffer.alloc(0);

  /** Adds received bytes; returns the messages they complete, in order. */
  push(chunk: Buffer): string[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const messages: string[] = [];
    for (;;) {
      const start = this.#buffer.indexOf(VT);
      if (start < 0) {
        this.#buffer = Buffer.alloc(0);
        break;
      }
      let end = this.#buffer.indexOf(FS, start + 1);
      while (end >= 0 && end + 1 < this.#buffer.length && this.#buffer[end + 1] !== CR) end = this.#buffer.indexOf(FS, end + 1);
      if (end < 0 || end + 1 >= this.#buffer.length) {
        this.#buffer = this.#buffer.subarray(start);
        break;
      }
      messages.push(this.#buffer.toString('utf8', start + 1, end));
      this.#buffer = this.#buffer.subarray(end + 2);
    }
    return messages;
  }
}

export interface Ack {
  /** MSA-1: AA, AE, AR (or the enhanced-mode CA, CE, CR). */
  code: string;
  /** MSA-2: the control id of the message acknowledged. */
  controlId: string;
}

/** MSA-1 and MSA-2 of an acknowledgement, or undefined when it has no MSA segment. */
export function parseAck(text: string): Ack | undefined {
  if (!text.startsWith('MSH') || text.length < 8) return undefined;
  const separator = text[3]!;
  for (const segment of text.split(/\r\n|\r|\n/)) {
    if (!segment.startsWith(`MSA${separator}`)) continue;
    const fields = segment.split(separator);
    const component = text[4] ?? '^';
    return { code: (fields[1] ?? '').trim().toUpperCase(), controlId: (fields[2] ?? '').split(component)[0]!.trim() };
  }
  return undefined;
}

/** MSH-10 of a message (the control id), or '' when absent. */
export function controlIdOf(message: string): string {
  const end = message.search(/[\r\n]/);
  const msh = end < 0 ? message : message.slice(0, end);
  if (!msh.startsWith('MSH') || msh.length < 4) return '';
  // MSH-1 is the separator itself, so MSH-10 is the 10th element after splitting on it.
  return msh.split(msh[3]!)[9] ?? '';
}
