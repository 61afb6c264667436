// Header bytes to strings for consumers on the hot path. Every vigil record carries the same eight
// header names and several fixed values (spec version, schema version, content type, event type);
// decoding each with Buffer#toString costs a native call and a new string, 16 times a record.
// Known strings are matched byte for byte and returned as the same interned string; anything else
// is decoded as usual, so the result is always what toString would give.

export type HeaderDeserializer = (bytes: Buffer | undefined) => string;

export function headerStringDeserializer(known: Iterable<string>): HeaderDeserializer {
  // Candidates by byte length: a header rarely has more than two or three of the same length.
  const byLength: { text: string; bytes: Buffer }[][] = [];
  for (const text of new Set(known)) {
    const bytes = Buffer.from(text, 'utf8');
    (byLength[bytes.length] ??= []).push({ text, bytes });
  }
  return (bytes) => {
    if (bytes === undefined) return '';
    const candidates = byLength[bytes.length];
    if (candidates !== undefined) {
      next: for (const candidate of candidates) {
        const want = candidate.bytes;
        for (let i = 0; i < want.length; i++) if (want[i] !== bytes[i]) continue next;
        return candidate.text;
      }
    }
    return bytes.toString('utf8');
  };
}
