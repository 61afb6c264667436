// ED registrations, admissions and transfers of the simulated hospital carry the vitals charted on arrival (OBX after
// PV1), so a risk assessment of the ADT event itself has every NEWS2 parameter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AdtPayload } from '../../src/event/payloads.ts';
import { mapHl7Message } from '../../src/gateway/hl7/mapper.ts';
import { emptyHistory } from '../../src/processors/history.ts';
import { type RiskAssessment, riskAssessmentProcessor } from '../../src/processors/risk-assessment.ts';
import { createSimulation } from '../../src/simulator/schedule.ts';
import { options } from '../gateway/hl7/fixtures.ts';

describe('simulated admissions and transfers with vitals', () => {
  it('A04, A01 and A02 carry the NEWS2 parameters; the risk assessment scores them all', () => {
    const assess = riskAssessmentProcessor();
    const seen = new Map<string, number>();
    for (const m of createSimulation({ seed: 31, start: new Date('2026-05-04T00:00:00Z'), end: new Date('2026-05-07T00:00:00Z') })) {
      if (m.type !== 'ADT^A04' && m.type !== 'ADT^A01' && m.type !== 'ADT^A02') continue;
      // Throws on any mapping problem: the OBX must be valid HL7.
      const event = mapHl7Message(m.message, options).events[0]!;
      const payload = event.payload as unknown as AdtPayload;
      // The census load at the start sends admissions made before it, without arrival vitals.
      if (!payload.observations) {
        assert.equal(m.type, 'ADT^A01');
        continue;
      }
      const news2 = (assess(event, emptyHistory(event.patient_id)).outputs?.[0]?.value as unknown as RiskAssessment).scores[0]!;
      assert.deepEqual(news2.missing, [], m.type);
      assert.equal(news2.complete, true);
      seen.set(m.type, (seen.get(m.type) ?? 0) + 1);
    }
    assert.ok((seen.get('ADT^A04') ?? 0) > 5, 'ED registrations with triage vitals');
    assert.ok((seen.get('ADT^A01') ?? 0) > 5, 'admissions with vitals');
    assert.ok((seen.get('ADT^A02') ?? 0) > 0, 'transfers with vitals');
  });
});
