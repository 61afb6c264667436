import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CR, FS, type MllpItem, MllpDecoder, OVERSIZED_HEAD_BYTES, VT, encodeFrame } from '../../../src/gateway/mllp/framing.ts';

const text = (items: MllpItem[]): string[] =>
  items.map((i) => `${i.type}:${(i.type === 'oversized' ? i.head : i.payload).toString('latin1')}`);

function feed(decoder: MllpDecoder, chunks: (string | Buffer)[]): MllpItem[] {
  return chunks.flatMap((c) => decoder.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c));
}

describe('MLLP decoder', () => {
  it('joins a frame split byte by byte', () => {
    const bytes = [...encodeFrame('MSH|one\rPID|1\r')].map((b) => Buffer.from([b]));
    assert.deepEqual(text(feed(new MllpDecoder(), bytes)), ['frame:MSH|one\rPID|1\r']);
  });

  it('splits frames coalesced in one chunk, in order', () => {
    const chunk = Buffer.concat([encodeFrame('a'), encodeFrame('b'), encodeFrame('c')]);
    assert.deepEqual(text(new MllpDecoder().push(chunk)), ['frame:a', 'frame:b', 'frame:c']);
  });

  it('skips and counts bytes outside frames', () => {
    const d = new MllpDecoder();
    const items = feed(d, ['junk', '\x0ba\x1c\r', '\n\n', 'xx\x1c\r\x0bb\x1c\r', 'tail']);
    assert.deepEqual(text(items), ['frame:a', 'frame:b']);
    assert.equal(d.garbageBytes, 4 + 2 + 4 + 4);
  });

  it('reports an oversized frame once, with its head, then resumes', () => {
    const d = new MllpDecoder({ maxFrameBytes: 10_000 });
    const big = `MSH|big${'x'.repeat(50_000)}`;
    const stream = Buffer.concat([encodeFrame(big), encodeFrame('next')]);
    const items: MllpItem[] = [];
    for (let i = 0; i < stream.length; i += 777) items.push(...d.push(stream.subarray(i, i + 777)));
    assert.deepEqual(items.map((i) => i.type), ['oversized', 'frame']);
    const [over, next] = items;
    assert.ok(over?.type === 'oversized' && over.head.length === OVERSIZED_HEAD_BYTES && over.head.toString().startsWith('MSH|big'));
    assert.ok(next?.type === 'frame' && next.payload.toString() === 'next');
    assert.equal(d.garbageBytes, 0);
  });

  it('does not buffer an oversized frame while discarding it', () => {
    const d = new MllpDecoder({ maxFrameBytes: 100 });
    d.push(Buffer.from([VT]));
    for (let i = 0; i < 1000; i++) assert.deepEqual(d.push(Buffer.alloc(1000, 0x41)).map((x) => x.type), i === 0 ? ['oversized'] : []);
    assert.equal(d.pendingBytes, 1_000_000); // counted, not held
    assert.deepEqual(text(d.push(Buffer.from([FS, CR, VT, 0x42, FS, CR]))), ['frame:B']);
  });

  it('treats a start block inside a frame as a restart: the partial frame is reported interrupted', () => {
    const items = feed(new MllpDecoder(), ['\x0bMSH|partial', '\x0bMSH|whole\x1c\r']);
    assert.deepEqual(text(items), ['interrupted:MSH|partial', 'frame:MSH|whole']);
  });

  it('accepts an end block without CR, and consumes a CR that arrives in the next chunk', () => {
    const d = new MllpDecoder();
    const items = feed(d, ['\x0ba\x1c', '\r', '\x0bb\x1c\x0bc\x1cz\x0bd\x1c\r']);
    assert.deepEqual(text(items), ['frame:a', 'frame:b', 'frame:c', 'frame:d']);
    assert.equal(d.garbageBytes, 1); // the 'z'
  });

  it('delivers an empty frame as an empty payload', () => {
    assert.deepEqual(text(new MllpDecoder().push(Buffer.from([VT, FS, CR]))), ['frame:']);
  });

  it('refuses to encode content that would break the framing', () => {
    assert.throws(() => encodeFrame('a\x1cb'), RangeError);
    assert.throws(() => encodeFrame('a\x0bb'), RangeError);
    assert.deepEqual([...encodeFrame('é')], [VT, 0xc3, 0xa9, FS, CR]);
    assert.deepEqual([...encodeFrame('é', 'latin1')], [VT, 0xe9, FS, CR]);
  });
});
