import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Hl7Message } from '@medplum/core';
import { DEFAULT_SIMULATED_START, runSimulation, type RunProgress } from '../../src/simulator/run.ts';
import { createSimulation } from '../../src/simulator/schedule.ts';
import { startServer, type TestServer } from './mllp-server.ts';

const servers: TestServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('runSimulation', () => {
  it('sends the simulated stream over MLLP and resolves with the final counts', async () => {
    const s = await startServer();
    servers.push(s);
    const progress: RunProgress[] = [];
    const result = await runSimulation({
      host: '127.0.0.1',
      port: s.port,
      rate: Infinity,
      durationMs: Infinity,
      maxMessages: 600,
      seed: 'run',
      connections: 3,
      canary: true,
      progress: (p) => progress.push(p),
    });
    assert.equal(result.generated, 600);
    assert.equal(result.accepted, 600);
    assert.equal(result.acks.AA, 600);
    assert.equal(result.failed + result.unsent + result.rejected, 0);
    assert.equal(s.received.length, 600);
    assert.equal(progress.at(-1)?.generated, 600);
    // The same seed and start reproduce the stream the server saw, in each patient's order.
    const expected = [...take(600)];
    const patientOf = new Map(expected.map((m) => [m.controlId, m.patientRef]));
    const arrived = new Map<string, string[]>();
    for (const r of s.received) arrived.set(patientOf.get(r.controlId)!, [...(arrived.get(patientOf.get(r.controlId)!) ?? []), r.controlId]);
    const generated = new Map<string, string[]>();
    for (const m of expected) generated.set(m.patientRef, [...(generated.get(m.patientRef) ?? []), m.controlId]);
    assert.deepEqual(arrived, generated);
    for (const r of s.received) assert.match(Hl7Message.parse(r.text).getSegment('PID')!.getField(5).toString(), /CANARY/);
  });

  it('stops when the signal aborts and still reports what went out', async () => {
    const controller = new AbortController();
    const s = await startServer(() => {
      if (s.received.length === 50) controller.abort();
      return 'AA';
    });
    servers.push(s);
    const result = await runSimulation({
      host: '127.0.0.1',
      port: s.port,
      rate: Infinity,
      durationMs: Infinity,
      maxMessages: 100_000,
      seed: 'abort',
      signal: controller.signal,
    });
    assert.ok(result.generated >= 50 && result.generated < 100_000);
    assert.equal(result.accepted, result.generated);
  });

  it('needs a limit', async () => {
    await assert.rejects(runSimulation({ host: '127.0.0.1', port: 1, rate: 10, durationMs: Infinity, seed: 1 }), RangeError);
  });
});

function* take(n: number) {
  let i = 0;
  for (const m of createSimulation({ seed: 'run', start: DEFAULT_SIMULATED_START, canary: true })) {
    if (i++ === n) return;
    yield m;
  }
}
