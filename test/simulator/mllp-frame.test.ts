import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { controlIdOf, frame, FrameDecoder, parseAck } from '../../src/simulator/mllp-frame.ts';

const MESSAGE = 'MSH|^~\\&|EPIC|RGH|VIGIL|VIGIL|20260302000000+0000||ADT^A01^ADT_A01|ABC123|T|2.5.1\rPID|1||123^^^RGH^MR';

describe('MLLP framing', () => {
  it('wraps a message in VT ... FS CR', () => {
    const bytes = frame('MSH|x');
    assert.deepEqual([...bytes], [0x0b, ...Buffer.from('MSH|x'), 0x1c, 0x0d]);
  });

  it('decodes frames split anywhere, skipping bytes between frames', () => {
    const stream = Buffer.concat([Buffer.from('noise'), frame(MESSAGE), Buffer.from('\n'), frame('MSH|two'), frame('MSH|thr\x1cee')]);
    const decoder = new FrameDecoder();
    const out: string[] = [];
    for (const byte of stream) out.push(...decoder.push(Buffer.from([byte])));
    assert.deepEqual(out, [MESSAGE, 'MSH|two', 'MSH|thr\x1cee']);
    assert.deepEqual(new FrameDecoder().push(stream), out);
  });

  it('reads MSA-1 and MSA-2 of an ACK, and MSH-10 of a message', () => {
    assert.deepEqual(parseAck('MSH|^~\\&|V|V|E|R|20260101||ACK^A01^ACK|X1|P|2.5.1\rMSA|AE|ABC123^x|bad'), { code: 'AE', controlId: 'ABC123' });
    assert.deepEqual(parseAck('MSH|^~\\&|V\nMSA|aa|Q'), { code: 'AA', controlId: 'Q' });
    assert.equal(parseAck('MSH|^~\\&|V|V'), undefined);
    assert.equal(parseAck('garbage'), undefined);
    assert.equal(controlIdOf(MESSAGE), 'ABC123');
    assert.equal(controlIdOf('PID|1'), '');
  });
});
