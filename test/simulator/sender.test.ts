import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createSimulation, type SimulatedMessage } from '../../src/simulator/schedule.ts';
import { MllpSender, type SenderProgress } from '../../src/simulator/sender.ts';
import { startServer, type Received, type TestServer } from './mllp-server.ts';

function messages(n: number, seed = 'sender'): SimulatedMessage[] {
  const out: SimulatedMessage[] = [];
  for (const m of createSimulation({ seed, start: new Date('2026-06-01T00:00:00Z') })) {
    out.push(m);
    if (out.length === n) break;
  }
  return out;
}

/** Each patient's control ids in the order given. */
function byPatient(list: readonly SimulatedMessage[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const m of list) map.set(m.patientRef, [...(map.get(m.patientRef) ?? []), m.controlId]);
  return map;
}

/** What the server saw per patient, with back-to-back retransmissions collapsed. */
function arrivedByPatient(received: readonly Received[], patientOf: Map<string, string>): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const r of received) {
    const patient = patientOf.get(r.controlId)!;
    const seq = map.get(patient) ?? [];
    if (seq[seq.length - 1] !== r.controlId) seq.push(r.controlId);
    map.set(patient, seq);
  }
  return map;
}

const servers: TestServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function server(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const s = await startServer(...args);
  servers.push(s);
  return s;
}

async function sendAll(sender: MllpSender, list: readonly SimulatedMessage[]): Promise<string[]> {
  const outcomes: Promise<string>[] = [];
  for (const m of list) {
    await sender.ready();
    outcomes.push(sender.send(m.message, m.patientRef, m.controlId));
  }
  return Promise.all(outcomes);
}

describe('MllpSender', () => {
  it('delivers every message over K connections, each patient in order on one connection', async () => {
    const list = messages(800);
    const s = await server();
    const progress: SenderProgress[] = [];
    const sender = new MllpSender({ host: '127.0.0.1', port: s.port, connections: 4, queueLimit: 100, onProgress: (p) => progress.push(p) });
    const outcomes = await sendAll(sender, list);
    const counts = await sender.close();
    assert.ok(outcomes.every((o) => o === 'AA'));
    assert.equal(s.received.length, list.length);
    assert.equal(s.connections, 4);
    assert.deepEqual(
      { submitted: counts.submitted, sent: counts.sent, AA: counts.acks.AA, accepted: counts.accepted, retransmissions: counts.retransmissions, failed: counts.failed },
      { submitted: 800, sent: 800, AA: 800, accepted: 800, retransmissions: 0, failed: 0 },
    );
    const patientOf = new Map(list.map((m) => [m.controlId, m.patientRef]));
    assert.deepEqual(arrivedByPatient(s.received, patientOf), byPatient(list));
    const connectionOf = new Map<string, Set<number>>();
    for (const r of s.received) connectionOf.set(patientOf.get(r.controlId)!, (connectionOf.get(patientOf.get(r.controlId)!) ?? new Set()).add(r.connection));
    assert.ok([...connectionOf.values()].every((c) => c.size === 1), 'a patient is pinned to one connection');
    // The last progress report comes at close and matches the final counts.
    assert.equal(progress.at(-1)?.accepted, 800);
    assert.equal(progress.at(-1)?.inFlight, 0);
  });

  it('resends a message that got AE (same bytes, same control id) before anything after it', async () => {
    const list = messages(300);
    const flaky = new Set(list.filter((_, i) => i % 7 === 3).map((m) => m.controlId));
    const s = await server((id, attempt) => (flaky.has(id) && attempt === 1 ? 'AE' : 'AA'));
    const sender = new MllpSender({ host: '127.0.0.1', port: s.port, connections: 3, retryDelayMs: 5 });
    const outcomes = await sendAll(sender, list);
    const counts = await sender.close();
    assert.ok(outcomes.every((o) => o === 'AA'));
    assert.equal(counts.acks.AE, flaky.size);
    assert.equal(counts.retransmissions, flaky.size);
    assert.equal(counts.accepted, list.length);
    const texts = new Map<string, Set<string>>();
    for (const r of s.received) texts.set(r.controlId, (texts.get(r.controlId) ?? new Set()).add(r.text));
    assert.ok([...texts.values()].every((t) => t.size === 1), 'a retransmission is byte-identical');
    const patientOf = new Map(list.map((m) => [m.controlId, m.patientRef]));
    assert.deepEqual(arrivedByPatient(s.received, patientOf), byPatient(list));
  });

  it('gives up after the bounded number of retries, and does not retry AR', async () => {
    const list = messages(40);
    const hopeless = list[5]!.controlId;
    const rejected = list[9]!.controlId;
    const s = await server((id) => (id === hopeless ? 'AE' : id === rejected ? 'AR' : 'AA'));
    const sender = new MllpSender({ host: '127.0.0.1', port: s.port, connections: 2, maxRetries: 2, retryDelayMs: 1 });
    const outcomes = await sendAll(sender, list);
    const counts = await sender.close();
    assert.equal(outcomes[5], 'failed');
    assert.equal(outcomes[9], 'AR');
    assert.equal(s.received.filter((r) => r.controlId === hopeless).length, 3, 'first attempt and 2 retries');
    assert.equal(s.received.filter((r) => r.controlId === rejected).length, 1);
    assert.deepEqual(
      { accepted: counts.accepted, rejected: counts.rejected, failed: counts.failed, AE: counts.acks.AE, AR: counts.acks.AR },
      { accepted: 38, rejected: 1, failed: 1, AE: 3, AR: 1 },
    );
  });

  it('reconnects and resends when an ACK does not come in time', async () => {
    const list = messages(60);
    const lost = list[10]!.controlId;
    const s = await server((id, attempt) => (id === lost && attempt === 1 ? 'none' : 'AA'));
    const sender = new MllpSender({ host: '127.0.0.1', port: s.port, connections: 2, ackTimeoutMs: 400, reconnectDelayMs: 10 });
    const outcomes = await sendAll(sender, list);
    const counts = await sender.close();
    assert.ok(outcomes.every((o) => o === 'AA'));
    assert.equal(counts.timeouts, 1);
    assert.equal(counts.retransmissions, 1);
    assert.equal(counts.accepted, 60);
    assert.ok(s.connections >= 3, 'the timed-out connection was replaced');
    const patientOf = new Map(list.map((m) => [m.controlId, m.patientRef]));
    assert.deepEqual(arrivedByPatient(s.received, patientOf), byPatient(list));
  });

  it('keeps order with several messages in flight per connection', async () => {
    const list = messages(500);
    const s = await server();
    const sender = new MllpSender({ host: '127.0.0.1', port: s.port, connections: 2, window: 8 });
    await sendAll(sender, list);
    const counts = await sender.close();
    assert.equal(counts.accepted, 500);
    const patientOf = new Map(list.map((m) => [m.controlId, m.patientRef]));
    assert.deepEqual(arrivedByPatient(s.received, patientOf), byPatient(list));
  });

  it('reports what it could not send when nobody listens', async () => {
    const s = await startServer();
    const port = s.port;
    await s.close();
    const sender = new MllpSender({ host: '127.0.0.1', port, connections: 2, reconnectDelayMs: 5 });
    const outcomes = Promise.all(messages(10).map((m) => sender.send(m.message, m.patientRef)));
    const counts = await sender.close({ drainTimeoutMs: 100 });
    assert.deepEqual(new Set(await outcomes), new Set(['unsent']));
    assert.equal(counts.unsent, 10);
    assert.equal(counts.sent, 0);
    assert.ok(counts.connectionErrors > 0);
    assert.equal(await sender.send('MSH|x', 'p1'), 'unsent', 'a closed sender takes nothing');
  });

  it('rejects options it cannot honour', () => {
    assert.throws(() => new MllpSender({ host: 'h', port: 1, connections: 0 }), RangeError);
    assert.throws(() => new MllpSender({ host: 'h', port: 1, window: 1.5 }), RangeError);
    assert.throws(() => new MllpSender({ host: 'h', port: 0 }), RangeError);
    assert.throws(() => new MllpSender({ host: 'h', port: 1, maxRetries: -1 }), RangeError);
  });
});
