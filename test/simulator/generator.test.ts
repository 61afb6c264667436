import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hl7Message } from '@medplum/core';
import { createSimulation, type SimulatedMessage, type SimulationOptions } from '../../src/simulator/schedule.ts';

const START = new Date('2026-05-04T00:00:00Z');
const DAY = 86_400_000;

function take(options: SimulationOptions, n: number): SimulatedMessage[] {
  const out: SimulatedMessage[] = [];
  for (const m of createSimulation(options)) {
    out.push(m);
    if (out.length === n) break;
  }
  return out;
}

describe('createSimulation', () => {
  it('is deterministic: the same seed gives byte-identical messages, another seed different ones', () => {
    const a = take({ seed: 2026, start: START }, 3000);
    const b = take({ seed: 2026, start: START }, 3000);
    const c = take({ seed: 2027, start: START }, 3000);
    assert.equal(a.length, 3000);
    assert.deepEqual(a, b);
    assert.notDeepEqual(
      a.map((m) => m.message),
      c.map((m) => m.message),
    );
    // Different runs never share a control id.
    const ids = new Set(a.map((m) => m.controlId));
    assert.ok(c.every((m) => !ids.has(m.controlId)));
  });

  it('starts at the simulated start and stops before the end', () => {
    const end = new Date(START.getTime() + DAY);
    const messages = [...createSimulation({ seed: 5, start: START, end })];
    assert.ok(messages.length > 500);
    assert.equal(messages[0]!.at.getTime(), START.getTime(), 'the census load comes first');
    assert.ok(messages.every((m) => m.at >= START && m.at < end));
  });

  it('writes local times with the configured offset', () => {
    const [first] = take({ seed: 5, start: START, utcOffsetMinutes: -300 }, 1);
    assert.equal(Hl7Message.parse(first!.message).header.getField(7).toString(), '20260503190000-0500');
  });

  it('puts CANARY in every patient name and MRN in canary mode, and nowhere otherwise', () => {
    const end = new Date(START.getTime() + 2 * DAY);
    let checked = 0;
    for (const m of createSimulation({ seed: 9, start: START, end, canary: true })) {
      const pid = Hl7Message.parse(m.message).getSegment('PID')!;
      assert.match(pid.getField(3).toString(), /CANARY/);
      assert.match(pid.getField(5).toString(), /CANARY/);
      assert.match(pid.getComponent(5, 1), /CANARY/);
      assert.match(pid.getComponent(5, 2), /CANARY/);
      assert.match(pid.getComponent(3, 1), /CANARY/);
      checked++;
    }
    assert.ok(checked > 1000);
    for (const m of createSimulation({ seed: 9, start: START, end })) assert.ok(!m.message.includes('CANARY'));
  });

  it('reports a census that stays within the beds', () => {
    const simulation = createSimulation({ seed: 11, start: START, end: new Date(START.getTime() + 3 * DAY), edVisitsPerDay: 200 });
    const beds = new Map(simulation.units.map((u) => [u.code, u.beds]));
    let edPeak = 0;
    for (const m of simulation) {
      void m;
      for (const entry of simulation.census()) {
        assert.ok(entry.occupied <= beds.get(entry.unit)!);
        if (entry.unit === 'ED') edPeak = Math.max(edPeak, entry.occupied);
      }
    }
    // With twice the usual ED traffic the department fills up (and patients wait for a bay).
    assert.ok(edPeak >= 0.8 * beds.get('ED')!, `ED peak ${edPeak}`);
  });

  it('runs with a hospital of its own units and without a warm start', () => {
    const units = [
      { code: 'ER', name: 'Emergency', kind: 'emergency', beds: 4, bedsPerRoom: 1, firstRoom: 1, vitalsEveryHours: 2 },
      { code: 'W1', name: 'Ward', kind: 'ward', beds: 6, bedsPerRoom: 2, firstRoom: 100, vitalsEveryHours: 4 },
    ] as const;
    const messages = take({ seed: 3, start: START, units, warmStart: false }, 2000);
    assert.equal(messages.length, 2000);
    assert.ok(messages[0]!.type === 'ADT^A04' || messages[0]!.type === 'ADT^A01');
    const locations = new Set(messages.map((m) => Hl7Message.parse(m.message).getSegment('PV1')!.getComponent(3, 1)));
    assert.deepEqual([...locations].sort(), ['ER', 'W1']);
  });

  it('rejects options it cannot honour', () => {
    assert.throws(() => createSimulation({ seed: 1, start: new Date('nonsense') }), RangeError);
    assert.throws(() => createSimulation({ seed: 1, start: START, edVisitsPerDay: -1 }), RangeError);
    assert.throws(() => createSimulation({ seed: 1, start: START, initialOccupancy: 2 }), RangeError);
    assert.throws(() => createSimulation({ seed: 1, start: START, utcOffsetMinutes: 30.5 }), RangeError);
    assert.throws(() => createSimulation({ seed: 1, start: START, facility: 'A|B' }), RangeError);
    assert.throws(
      () => createSimulation({ seed: 1, start: START, units: [{ code: 'W', name: 'W', kind: 'ward', beds: 2, bedsPerRoom: 1, firstRoom: 1, vitalsEveryHours: 4 }] }),
      RangeError,
    );
  });
});
