import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { AckReply } from '../../../src/gateway/mllp/ack.ts';
import { encodeFrame } from '../../../src/gateway/mllp/framing.ts';
import { type MllpHandler, MllpServer, type MllpServerOptions } from '../../../src/gateway/mllp/server.ts';
import { CANARY, containsCanary } from '../../support/canary.ts';
import { MllpTestClient } from './client.ts';
import { accept, adtMessage, parseAck, sleep } from './messages.ts';

const servers: MllpServer[] = [];
const clients: MllpTestClient[] = [];

async function start(opts: Partial<MllpServerOptions> = {}): Promise<MllpServer> {
  const server = new MllpServer({ handler: accept, ...opts });
  await server.listen();
  servers.push(server);
  return server;
}

async function connect(server: MllpServer): Promise<MllpTestClient> {
  const client = await MllpTestClient.connect(server.port);
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const codesAndIds = (answers: string[]): string[] => answers.map((a) => `${parseAck(a).code}:${parseAck(a).controlId}`);

describe('MLLP server framing over TCP', () => {
  it('answers a frame that arrives one byte per write', async () => {
    const server = await start();
    const client = await connect(server);
    for (const byte of encodeFrame(adtMessage('SPLIT-1'))) await client.write(Buffer.from([byte]));
    assert.deepEqual(codesAndIds(await client.take(1)), ['AA:SPLIT-1']);
  });

  it('answers every frame of one coalesced write, in order', async () => {
    const server = await start();
    const client = await connect(server);
    await client.write(Buffer.concat(['C-1', 'C-2', 'C-3', 'C-4'].map((id) => encodeFrame(adtMessage(id)))));
    assert.deepEqual(codesAndIds(await client.take(4)), ['AA:C-1', 'AA:C-2', 'AA:C-3', 'AA:C-4']);
  });

  it('skips and counts garbage before, between and after frames', async () => {
    const server = await start();
    const client = await connect(server);
    await client.write(Buffer.concat([Buffer.from('HELLO\r\n'), encodeFrame(adtMessage('G-1')), Buffer.from([0, 1, 2, 0x1c, 0x0d]), encodeFrame(adtMessage('G-2')), Buffer.from('\n\nbye')]));
    assert.deepEqual(codesAndIds(await client.take(2)), ['AA:G-1', 'AA:G-2']);
    await client.send(adtMessage('G-3')); // its answer proves the trailing garbage was read
    assert.deepEqual(codesAndIds(await client.take(1)), ['AA:G-3']);
    assert.equal(server.counters().garbageBytes, 7 + 5 + 5);
  });

  it('answers an oversized frame AR (with its MSH-10) and the next frame AA', async () => {
    const server = await start({ maxFrameBytes: 2048 });
    const client = await connect(server);
    const big = adtMessage('BIG-1') + `NTE|2||${CANARY.note}${'x'.repeat(20_000)}\r`;
    await client.write(Buffer.concat([encodeFrame(big), encodeFrame(adtMessage('AFTER-1'))]));
    const [nak, next] = await client.take(2);
    const parsed = parseAck(nak as string);
    assert.equal(parsed.code, 'AR');
    assert.equal(parsed.controlId, 'BIG-1');
    assert.match(parsed.errors[0]?.text ?? '', /larger than the 2048-byte limit/);
    assert.equal(containsCanary(nak as string), undefined);
    assert.deepEqual(codesAndIds([next as string]), ['AA:AFTER-1']);
    assert.equal(server.counters().oversizedFrames, 1);
  });

  it('answers a frame past the default 1 MiB limit AR without taking the connection down', async () => {
    const server = await start();
    const client = await connect(server);
    await client.write(encodeFrame(adtMessage('HUGE-1') + 'x'.repeat(1_200_000)));
    await client.send(adtMessage('SMALL-1'));
    assert.deepEqual(codesAndIds(await client.take(2)), ['AR:HUGE-1', 'AA:SMALL-1']);
  });

  it('answers AA, AR, AA for a malformed frame between two valid ones in one write', async () => {
    let handled = 0;
    const server = await start({ handler: async () => (handled++, { code: 'AA' }) });
    const client = await connect(server);
    const malformed = `EVN|A01\rPID|1||${CANARY.mrn}||${CANARY.name}\r`;
    await client.write(Buffer.concat([encodeFrame(adtMessage('M-1')), encodeFrame(malformed), encodeFrame(adtMessage('M-3'))]));
    const answers = await client.take(3);
    assert.deepEqual(codesAndIds(answers), ['AA:M-1', 'AR:', 'AA:M-3']);
    assert.deepEqual(parseAck(answers[1] as string).errors.map((e) => [e.location, e.code]), [['MSH^1', '100']]);
    assert.equal(handled, 2, 'a frame without a readable MSH never reaches the handler');
    assert.equal(server.counters().naks, 1);
  });

  it('answers AR for a frame cut short by a new start block, then the resent frame', async () => {
    const server = await start();
    const client = await connect(server);
    await client.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from(adtMessage('R-1').slice(0, 100)), encodeFrame(adtMessage('R-1'))]));
    const answers = await client.take(2);
    assert.deepEqual(codesAndIds(answers), ['AR:R-1', 'AA:R-1']);
    assert.equal(parseAck(answers[0] as string).errors[0]?.code, '100');
  });

  it('accepts frames whose end block lacks its CR', async () => {
    const server = await start();
    const client = await connect(server);
    await client.write(`\x0b${adtMessage('NOCR-1')}\x1c\x0b${adtMessage('NOCR-2')}\x1c`);
    assert.deepEqual(codesAndIds(await client.take(2)), ['AA:NOCR-1', 'AA:NOCR-2']);
  });
});

describe('MLLP server order and answers', () => {
  it('keeps 50 pipelined messages in order under random handler delays, one at a time per connection', async () => {
    const running = new Map<string, number>();
    let maxRunning = 0;
    const seen: string[] = [];
    const handler: MllpHandler = async (message, { connectionId }) => {
      running.set(connectionId, (running.get(connectionId) ?? 0) + 1);
      maxRunning = Math.max(maxRunning, ...running.values());
      await sleep(Math.floor(Math.random() * 8));
      seen.push(message.split('|')[9] ?? '');
      running.set(connectionId, (running.get(connectionId) ?? 0) - 1);
      return { code: 'AA' };
    };
    const server = await start({ handler, maxQueuedFrames: 8 });
    const [a, b] = [await connect(server), await connect(server)];
    const ids = (prefix: string): string[] => Array.from({ length: 50 }, (_, i) => `${prefix}-${i}`);
    // Pipelined: every message written before any answer is read, in writes of random sizes.
    const stream = Buffer.concat(ids('A').map((id) => encodeFrame(adtMessage(id))));
    const writes: Promise<void>[] = [];
    for (let i = 0; i < stream.length; ) {
      const n = 1 + Math.floor(Math.random() * 900);
      writes.push(a.write(stream.subarray(i, i + n)));
      i += n;
    }
    for (const id of ids('B')) writes.push(b.send(adtMessage(id)));
    await Promise.all(writes);
    const [answersA, answersB] = await Promise.all([a.take(50), b.take(50)]);
    assert.deepEqual(codesAndIds(answersA), ids('A').map((id) => `AA:${id}`));
    assert.deepEqual(codesAndIds(answersB), ids('B').map((id) => `AA:${id}`));
    assert.deepEqual(seen.filter((id) => id.startsWith('A-')), ids('A'));
    assert.equal(maxRunning, 1, 'one message at a time per connection');
  });

  it('answers AE 207 with a generic rule when the handler throws, and carries on', async () => {
    const server = await start({
      handler: async (message) => {
        if (message.includes('|BOOM-1|')) throw new Error(`failed for ${CANARY.name} ${CANARY.mrn}`);
        return { code: 'AA' };
      },
    });
    const client = await connect(server);
    await client.write(Buffer.concat([encodeFrame(adtMessage('BOOM-1')), encodeFrame(adtMessage('OK-2'))]));
    const [boom, ok] = await client.take(2);
    const parsed = parseAck(boom as string);
    assert.equal(parsed.code, 'AE');
    assert.equal(parsed.controlId, 'BOOM-1');
    assert.deepEqual(parsed.errors.map((e) => e.code), ['207']);
    assert.equal(containsCanary(boom as string), undefined);
    assert.doesNotMatch(boom as string, /failed for/);
    assert.deepEqual(codesAndIds([ok as string]), ['AA:OK-2']);
    assert.equal(server.counters().handlerErrors, 1);
  });

  it('answers AE 207 when the handler returns something that is not an AckReply', async () => {
    const server = await start({ handler: (async () => ({ code: 'OK' })) as unknown as MllpHandler });
    const client = await connect(server);
    await client.send(adtMessage('ODD-1'));
    assert.deepEqual(parseAck(await client.next()).errors.map((e) => e.code), ['207']);
  });

  it('answers AE 207 when the handler does not answer in time, and moves on', async () => {
    const server = await start({
      handlerTimeoutMs: 50,
      handler: (message) => (message.includes('|HANG-1|') ? new Promise<AckReply>(() => undefined) : Promise.resolve({ code: 'AA' })),
    });
    const client = await connect(server);
    await client.write(Buffer.concat([encodeFrame(adtMessage('HANG-1')), encodeFrame(adtMessage('NEXT-2'))]));
    const [late, next] = await client.take(2);
    const parsed = parseAck(late as string);
    assert.deepEqual([parsed.code, parsed.controlId, parsed.errors[0]?.code], ['AE', 'HANG-1', '207']);
    assert.match(parsed.errors[0]?.text ?? '', /not acknowledged in time/);
    assert.deepEqual(codesAndIds([next as string]), ['AA:NEXT-2']);
    assert.equal(server.counters().handlerTimeouts, 1);
  });

  it('names location and rule in ERR segments and never echoes an inbound value', async () => {
    const server = await start({
      handler: async () => ({
        code: 'AE',
        errors: [
          { segment: 'PID', sequence: 1, field: 5, hl7ErrorCode: '102', rule: 'PID-5 patient name must be XPN' },
          { segment: 'PID', sequence: 1, field: 7, hl7ErrorCode: '102', rule: 'PID-7 date of birth must be a valid date' },
        ],
      }),
    });
    const client = await connect(server);
    await client.send(adtMessage('ERR-1'));
    const text = await client.next();
    const ack = parseAck(text);
    assert.equal(ack.code, 'AE');
    assert.equal(ack.controlId, 'ERR-1');
    assert.deepEqual(ack.errors, [
      { location: 'PID^1^5', code: '102', severity: 'E', text: 'PID-5 patient name must be XPN' },
      { location: 'PID^1^7', code: '102', severity: 'E', text: 'PID-7 date of birth must be a valid date' },
    ]);
    assert.deepEqual(ack.routing, ['VIGIL', 'HOSP', 'EPIC', 'NORTHWIND']);
    assert.equal(ack.messageType, 'ACK^A01^ACK');
    assert.equal(containsCanary(text), undefined);
  });

  it('keeps NAKs free of inbound values too', async () => {
    const server = await start({ maxFrameBytes: 300 });
    const client = await connect(server);
    const noMsh = adtMessage('X').split('\r').slice(1).join('\r');
    const badDelims = adtMessage('X').replace('MSH|^~\\&', `MSH ${CANARY.mrn}`);
    const big = adtMessage('BIG') + `NTE|2||${CANARY.note}`.repeat(20);
    const interrupted = `\x0b${adtMessage('CUT').slice(0, 200)}`;
    await client.write(Buffer.concat([encodeFrame(noMsh), encodeFrame(badDelims), encodeFrame(big), Buffer.from(interrupted), encodeFrame(adtMessage('CUT').slice(0, 250))]));
    const answers = await client.take(5);
    assert.deepEqual(answers.map((a) => parseAck(a).code), ['AR', 'AR', 'AR', 'AR', 'AA']);
    for (const a of answers) assert.equal(containsCanary(a), undefined);
  });
});

describe('MLLP server limits and lifecycle', () => {
  it('closes connections past the limit right away and counts them', async () => {
    const server = await start({ maxConnections: 2 });
    const a = await connect(server);
    const b = await connect(server);
    const c = await connect(server);
    await c.closed;
    assert.equal(server.counters().connectionsRefused, 1);
    await a.send(adtMessage('LIM-A'));
    await b.send(adtMessage('LIM-B'));
    assert.deepEqual(codesAndIds([await a.next(), await b.next()]), ['AA:LIM-A', 'AA:LIM-B']);
    a.destroy();
    await waitFor(() => server.counters().connectionsOpen === 1);
    const d = await connect(server);
    await d.send(adtMessage('LIM-D'));
    assert.deepEqual(codesAndIds([await d.next()]), ['AA:LIM-D']);
  });

  it('closes a connection that stays idle, but not one waiting on its handler', async () => {
    const server = await start({
      idleTimeoutMs: 100,
      handler: async () => {
        await sleep(400);
        return { code: 'AA' };
      },
    });
    const idle = await connect(server);
    const busy = await connect(server);
    await busy.send(adtMessage('SLOW-1'));
    await idle.closed;
    assert.deepEqual(codesAndIds([await busy.next()]), ['AA:SLOW-1']);
    await busy.closed;
    assert.equal(server.counters().connectionsIdleClosed, 2);
  });

  it('closes a connection whose peer stops reading its ACKs and sends nothing more', async () => {
    const rule = `PID-3 identifier must be CX ${'.'.repeat(200)}`;
    const errors = Array.from({ length: 200 }, () => ({ segment: 'PID', field: 3, hl7ErrorCode: '102', rule }));
    const server = await start({ idleTimeoutMs: 200, handler: async () => ({ code: 'AE', errors }) });
    const client = await connect(server);
    client.pause();
    for (let i = 0; i < 10; i++) await client.write(Buffer.concat(Array.from({ length: 40 }, (_, j) => encodeFrame(adtMessage(`U-${i}-${j}`)))));
    // A paused client would not notice the close, so watch the server's side instead.
    await waitFor(() => server.counters().connectionsOpen === 0);
    assert.equal(server.counters().connectionsIdleClosed, 1);
  });

  it('reads and answers in the encoding it is given', async () => {
    const server = await start({ encoding: 'latin1' });
    const client = await MllpTestClient.connect(server.port, 'latin1');
    clients.push(client);
    await client.write(encodeFrame(adtMessage('L-1').replace('|NORTHWIND|', '|CAFÉ|'), 'latin1'));
    assert.deepEqual(parseAck(await client.next()).routing, ['VIGIL', 'HOSP', 'EPIC', 'CAFÉ']);
  });

  it('answers every message of a sender that half-closes after writing them', async () => {
    const server = await start();
    const client = await connect(server);
    await client.write(Buffer.concat(['H-1', 'H-2', 'H-3'].map((id) => encodeFrame(adtMessage(id)))));
    client.end();
    assert.deepEqual(codesAndIds(await client.take(3)), ['AA:H-1', 'AA:H-2', 'AA:H-3']);
    await client.closed;
  });

  it('reads again after backpressure paused a connection', async () => {
    const server = await start({ maxQueuedFrames: 2, handler: async () => (await sleep(1), { code: 'AA' }) });
    const client = await connect(server);
    const ids = Array.from({ length: 40 }, (_, i) => `BP-${i}`);
    for (let i = 0; i < ids.length; i += 10) await client.write(Buffer.concat(ids.slice(i, i + 10).map((id) => encodeFrame(adtMessage(id)))));
    assert.deepEqual(codesAndIds(await client.take(40)), ids.map((id) => `AA:${id}`));
  });

  it('closes gracefully: the message in flight is answered, then the connection ends', async () => {
    let release: () => void = () => undefined;
    let started: () => void = () => undefined;
    const inHandler = new Promise<void>((resolve) => (started = resolve));
    const server = await start({
      handler: async () => {
        started();
        await new Promise<void>((resolve) => (release = resolve));
        return { code: 'AA' };
      },
    });
    const client = await connect(server);
    await client.send(adtMessage('FLIGHT-1'));
    await inHandler;
    const closing = server.close();
    release();
    await closing;
    assert.deepEqual(codesAndIds(await client.take(1)), ['AA:FLIGHT-1']);
    await client.closed;
    assert.equal(server.counters().connectionsOpen, 0);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await sleep(10);
  assert.ok(condition());
}
