import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVENT_TYPES, EventValidationError, validateEvent } from '../../src/event/envelope.ts';
import { routeEvent } from '../../src/topology/route.ts';
import { auditTopic, consumerGroups, deadLetterTopic, defaultTopology, withOverrides } from '../../src/topology/topology.ts';
import { event } from '../support/canary.ts';

const HOUR = 3_600_000;

describe('topology', () => {
  it('holds the five topics of the design with their partitions, keys and retention', () => {
    const seed = defaultTopology.topics.filter((t) => t.role !== 'output' && t.role !== 'audit');
    assert.deepEqual(
      seed.map((t) => [t.name, t.partitions, t.key, t.retentionMs / HOUR]),
      [
        ['hl7-adt-events', 12, 'patient_id', 168],
        ['clinical-orders', 24, 'encounter_id', 48],
        ['lab-results', 12, 'patient_id', 72],
        ['discharge-events', 6, 'encounter_id', 24],
        ['ai-events-dlq', 1, 'event_type', 720],
      ],
    );
    assert.equal(deadLetterTopic(defaultTopology).name, 'ai-events-dlq');
    const audit = auditTopic(defaultTopology);
    assert.deepEqual([audit.name, audit.partitions, audit.key, audit.retentionMs / HOUR / 24, audit.consumers], ['vigil-audit', 1, 'actor', 2190, []]);
  });

  it('names the seven AI consumer groups and the timeline projection over every input topic', () => {
    assert.deepEqual(consumerGroups(defaultTopology).sort(), [
      'ai-care-gap-detection',
      'ai-critical-value-alert',
      'ai-discharge-summary',
      'ai-drug-interaction-check',
      'ai-prior-authorization',
      'ai-result-interpretation',
      'ai-risk-assessment',
      'patient-timeline',
    ]);
    for (const t of defaultTopology.topics.filter((t) => t.role === 'input')) assert.ok(t.consumers.includes('patient-timeline'), t.name);
  });

  it('routes every event type to at least one input topic, keyed by the topic key', () => {
    for (const type of EVENT_TYPES) {
      const routes = routeEvent(defaultTopology, validateEvent(event({ event_type: type, patient_id: 'P-9', encounter_id: 'E-9' })));
      assert.ok(routes.length > 0, type);
      for (const r of routes) {
        const spec = defaultTopology.topics.find((t) => t.name === r.topic);
        assert.equal(r.key, spec?.key === 'patient_id' ? 'P-9' : 'E-9');
      }
    }
    const discharge = routeEvent(defaultTopology, validateEvent(event({ event_type: 'discharge', patient_id: 'P-9', encounter_id: 'E-9' })));
    assert.deepEqual(discharge, [
      { topic: 'hl7-adt-events', key: 'P-9' },
      { topic: 'discharge-events', key: 'E-9' },
    ]);
  });

  it('requires encounter_id where it is the partition key', () => {
    const order = validateEvent(event({ event_type: 'order', encounter_id: null }));
    assert.throws(() => routeEvent(defaultTopology, order), (err: unknown) => {
      assert.ok(err instanceof EventValidationError);
      assert.equal(err.errors[0]?.field, 'encounter_id');
      return true;
    });
  });

  it('applies site overrides of partitions and retention, and refuses unknown topics', () => {
    const t = withOverrides(defaultTopology, { 'lab-results': { partitions: 48, retentionMs: HOUR } });
    const labs = t.topics.find((x) => x.name === 'lab-results');
    assert.equal(labs?.partitions, 48);
    assert.equal(labs?.retentionMs, HOUR);
    assert.equal(defaultTopology.topics.find((x) => x.name === 'lab-results')?.partitions, 12);
    assert.throws(() => withOverrides(defaultTopology, { 'no-such-topic': { partitions: 1 } }), /not a topic/);
  });
});
