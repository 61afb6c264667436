// Generated bad input (DESIGN §3, invariant 6): every malformed message gets AE or AR, in order,
// with no inbound value echoed, while a well-behaved sender on another connection keeps getting AA.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AckReply } from '../../../src/gateway/mllp/ack.ts';
import { FS, VT, encodeFrame } from '../../../src/gateway/mllp/framing.ts';
import { MllpServer } from '../../../src/gateway/mllp/server.ts';
import { containsCanary } from '../../support/canary.ts';
import { MllpTestClient } from './client.ts';
import { adtMessage, parseAck } from './messages.ts';

const SEED = Number(process.env.MLLP_FUZZ_SEED ?? 20261126);
const MALFORMED = 260;
const VALID = 60;

// mulberry32: a seeded generator, so that a failure can be replayed with MLLP_FUZZ_SEED.
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Expect = 'AR' | 'AE' | 'AE|AR';
interface Case {
  kind: string;
  body: Buffer;
  expect: Expect;
  /** MSA-2 the answer must carry, when the corruption left MSH-10 intact. */
  controlId?: string;
}

function cases(random: () => number): Case[] {
  const int = (n: number): number => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const binary = (length: number): Buffer => {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) {
      let b = int(256);
      while (b === VT || b === FS) b = int(256);
      out[i] = b;
    }
    return out;
  };
  const text = (s: string): Buffer => Buffer.from(s, 'utf8');
  const withField = (message: string, n: number, value: string): string => {
    const [msh = '', ...rest] = message.split('\r');
    const fields = msh.split('|');
    fields[n - 1] = value;
    return [fields.join('|'), ...rest].join('\r');
  };

  const makers: ((id: string) => Case)[] = [
    () => ({ kind: 'empty', body: Buffer.alloc(0), expect: 'AR' }),
    () => ({ kind: 'blank lines', body: text('\r\n\r'), expect: 'AR' }),
    (id) => ({ kind: 'missing MSH', body: text(adtMessage(id).split('\r').slice(1).join('\r')), expect: 'AR' }),
    (id) => {
      const msg = adtMessage(id);
      return { kind: 'truncated MSH', body: text(msg.slice(0, 1 + int(msg.indexOf('\r') - 1))), expect: 'AE|AR' };
    },
    (id) => ({ kind: 'bad field separator', body: text(`MSH${pick(['A', '7', ' ', '\t', '\u0000', '\u007f', 'é'])}${adtMessage(id).slice(4)}`), expect: 'AR' }),
    (id) => ({ kind: 'bad encoding characters', body: text(withField(adtMessage(id), 2, pick(['', '^', '^~', '^~\\', '^^\\&', '^~\\&#!', 'ab12', '^~ &']))), expect: 'AR' }),
    (id) => ({ kind: 'field separator not latin', body: Buffer.concat([text('MSH'), Buffer.from([0xff]), text(adtMessage(id).slice(4))]), expect: 'AR' }),
    () => ({ kind: 'binary garbage', body: Buffer.concat([Buffer.from([1 + int(8)]), binary(int(2000))]), expect: 'AR' }),
    (id) => ({ kind: 'junk before MSH', body: Buffer.concat([binary(1 + int(20)).map((b) => (b === 0x0d || b === 0x0a ? 0x21 : b)), text(adtMessage(id))]), expect: 'AR' }),
    (id) => ({ kind: 'MSH-10 empty', body: text(withField(adtMessage(id), 10, '')), expect: 'AR' }),
    (id) => ({ kind: 'MSH-9 empty', body: text(withField(adtMessage(id), 9, '')), expect: 'AR' }),
    (id) => ({ kind: 'MSH-10 control characters', body: text(withField(adtMessage(id), 10, `${id}\u0001`)), expect: 'AR' }),
    (id) => ({ kind: 'MSH-10 too long', body: text(withField(adtMessage(id), 10, id.padEnd(200 + int(500), 'X'))), expect: 'AR' }),
    (id) => ({ kind: 'MSH only', body: text(adtMessage(id).split('\r')[0] ?? ''), expect: 'AE', controlId: id }),
    (id) => ({ kind: 'binary after MSH', body: Buffer.concat([text(`${adtMessage(id).split('\r')[0]}\r`), binary(1 + int(3000))]), expect: 'AE', controlId: id }),
    (id) => ({ kind: 'segments garbled', body: text(adtMessage(id).replaceAll('\rPID|', `\r${pick(['P1D', 'pid', 'PI', ''])}|`)), expect: 'AE', controlId: id }),
  ];
  return Array.from({ length: MALFORMED }, (_, i) => (makers[i % makers.length] as (id: string) => Case)(`FZ-${i}`));
}

// The stand-in for the mapping layer: a message must have a PID segment to be accepted.
async function handler(message: string): Promise<AckReply> {
  const segments = message.split(/\r\n|\r|\n/);
  if (segments.some((s) => s.startsWith('PID|'))) return { code: 'AA' };
  return { code: 'AE', errors: [{ segment: 'PID', sequence: 1, hl7ErrorCode: '100', rule: 'PID segment is required' }] };
}

describe('MLLP server under generated malformed input', () => {
  let server: MllpServer;
  before(async () => {
    server = new MllpServer({ handler, maxFrameBytes: 64 * 1024 });
    await server.listen();
  });
  after(() => server.close());

  it(`answers ${MALFORMED} malformed messages AE/AR in order while valid ones on another connection get AA`, async () => {
    const random = generator(SEED);
    const bad = cases(random);
    const junk = (): Buffer => {
      const n = Math.floor(random() * 4) === 0 ? Math.floor(random() * 40) : 0;
      return Buffer.from(Array.from({ length: n }, () => [0x00, 0x0d, 0x0a, 0x41, FS, 0xff][Math.floor(random() * 6)] as number));
    };
    const stream = Buffer.concat(bad.flatMap((c) => [junk(), encodeFrame(c.body)]));

    const attacker = await MllpTestClient.connect(server.port);
    const sender = await MllpTestClient.connect(server.port);
    const attack = (async () => {
      for (let i = 0; i < stream.length; ) {
        const n = 1 + Math.floor(random() * 5000);
        await attacker.write(stream.subarray(i, i + n));
        i += n;
      }
      return attacker.take(bad.length);
    })();
    const steady = (async () => {
      const answers: string[] = [];
      for (let i = 0; i < VALID; i++) {
        await sender.send(adtMessage(`OK-${i}`));
        answers.push(await sender.next());
      }
      return answers;
    })();
    const [badAnswers, goodAnswers] = await Promise.all([attack, steady]);

    const summary = new Map<string, string>();
    badAnswers.forEach((text, i) => {
      const c = bad[i] as Case;
      const ack = parseAck(text);
      const where = `case ${i} (${c.kind}, seed ${SEED})`;
      assert.ok(c.expect.split('|').includes(ack.code), `${where}: got ${ack.code}, expected ${c.expect}`);
      if (c.controlId) assert.equal(ack.controlId, c.controlId, where);
      else assert.ok(`FZ-${i}`.startsWith(ack.controlId), where); // empty, or what survived a truncation
      assert.ok(ack.errors.length > 0 && ack.errors.every((e) => e.severity === 'E' && /^\d+$/.test(e.code) && e.text !== ''), where);
      assert.equal(containsCanary(text), undefined, where);
      summary.set(c.kind, ack.code);
    });
    assert.equal(summary.size, 16, 'every kind of corruption was tried');
    assert.deepEqual(
      goodAnswers.map((a) => `${parseAck(a).code}:${parseAck(a).controlId}`),
      Array.from({ length: VALID }, (_, i) => `AA:OK-${i}`),
    );

    const counters = server.counters();
    assert.equal(counters.framesReceived, MALFORMED + VALID);
    assert.equal(counters.acks.AA, VALID);
    assert.equal(counters.acks.AE + counters.acks.AR, MALFORMED);
    assert.equal(counters.naks, counters.acks.AR);
    assert.ok(counters.garbageBytes > 0);

    // The server is still healthy for the next sender.
    const late = await MllpTestClient.connect(server.port);
    await late.send(adtMessage('LATE-1'));
    assert.equal(parseAck(await late.next()).code, 'AA');
    for (const c of [attacker, sender, late]) c.destroy();
  });
});
