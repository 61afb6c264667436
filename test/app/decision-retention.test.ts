import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecisionPruner, READABLE_PAST_RETENTION_MS, decisionRetentionMs } from '../../src/app/decision-retention.ts';
import { openDatabase } from '../../src/store/db.ts';
import { findDecisions, markDelivered, newRound, recordDecisions } from '../../src/store/effects.ts';
import { type Topology, defaultTopology } from '../../src/topology/topology.ts';

const DAY_MS = 86_400_000;
const readBy = (group: string) => defaultTopology.topics.filter((t) => t.consumers.includes(group)).map((t) => t.name);

describe('decision retention', () => {
  it('keeps a group\'s decisions as long as its longest-kept input topic, plus the time Kafka may keep a record past it', () => {
    const critical = readBy('ai-critical-value-alert');
    const careGaps = readBy('ai-care-gap-detection');
    const longest = (names: string[]) => Math.max(...defaultTopology.topics.filter((t) => names.includes(t.name)).map((t) => t.retentionMs));
    assert.equal(decisionRetentionMs(defaultTopology, critical), longest(critical) + READABLE_PAST_RETENTION_MS);
    assert.equal(decisionRetentionMs(defaultTopology, careGaps), longest(careGaps) + READABLE_PAST_RETENTION_MS);
    assert.ok(longest(careGaps) > longest(critical), 'care gaps read ADT events too, kept longer than lab results');
    // Records kept for good (retention.ms -1), or a topic the topology does not know: decisions stay.
    const forever: Topology = { topics: defaultTopology.topics.map((t) => ({ ...t, retentionMs: -1 })) };
    assert.equal(decisionRetentionMs(forever, critical), undefined);
    assert.equal(decisionRetentionMs(defaultTopology, ['no-such-topic']), undefined);
  });

  it('forgets each group\'s delivered decisions once they are older than its retention', async () => {
    const db = await openDatabase({});
    try {
      const groups = ['ai-critical-value-alert', 'ai-care-gap-detection'].map((group) => ({ group, topics: readBy(group) }));
      const keep = (group: string) => decisionRetentionMs(defaultTopology, readBy(group)) as number;
      // 12 days old: past the lab-only group's retention, within the one that also reads ADT events.
      const age = 12 * DAY_MS;
      assert.ok(keep('ai-critical-value-alert') < age && age < keep('ai-care-gap-detection'));
      for (const { group } of groups) {
        const round = await db.transaction(async (tx) => {
          const r = await newRound(tx);
          await recordDecisions(tx, group, r, [{ eventId: 'old', outputs: [{ n: 1 }] }, { eventId: 'new', outputs: [{ n: 2 }] }]);
          return r;
        });
        await markDelivered(db, group, round);
      }
      await db.query(`UPDATE effects SET decided_at = now() - $1::bigint * interval '1 millisecond' WHERE event_id = 'old'`, [age]);
      await db.query(`UPDATE delivered_rounds SET delivered_at = now() - $1::bigint * interval '1 millisecond'`, [age]);

      const pruned = await new DecisionPruner({ db, topology: defaultTopology, groups }).prune();
      assert.deepEqual(Object.fromEntries(pruned), {
        'ai-critical-value-alert': { decisions: 1, rounds: 0 },
        'ai-care-gap-detection': { decisions: 0, rounds: 0 },
      });
      assert.deepEqual([...(await findDecisions(db, 'ai-critical-value-alert', ['old', 'new'])).keys()], ['new']);
      assert.deepEqual([...(await findDecisions(db, 'ai-care-gap-detection', ['old', 'new'])).keys()].sort(), ['new', 'old']);
    } finally {
      await db.close();
    }
  });
});
