// Header bytes to strings for consumers on the hot path. Every vigil record carries the same eight
// header names and several fixed values (spec version, schema version, content type, event type);
// decoding each with Buffer#toString costs a native call and a new string, 16 times a record.
// Known strings are matched byte for byte where they lie in the fetched bytes and returned as the
// same interned string; anything else is decoded as usual, so the result is always what toString
// would give.

export class HeaderStrings {
  // Candidates by byte length: a header rarely has more than two or three of the same length.
  readonly #byLength: { text: string; bytes: Buffer }[][] = [];

  constructor(known: Iterable<string>) {
    for (const text of new Set(known)) {
      const bytes = Buffer.from(text, 'utf8');
      (this.#byLength[bytes.length] ??= []).push({ text, bytes });
    }
  }

  /** The UTF-8 string of `length` bytes of `buf` from `start`. */
  read(buf: Buffer, start: number, length: number): string {
    const candidates = this.#byLength[length];
    if (candidates !== undefined) {
      next: for (const candidate of candidates) {
        const want = candidate.bytes;
        for (let i = 0; i < length; i++) if (want[i] !== buf[start + i]) continue next;
        return candidate.text;
      }
    }
    return length === 0 ? '' : buf.toString('utf8', start, start + length);
  }
}
