import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Database, openDatabase } from '../../src/store/db.ts';
import { findDecisions, markDelivered, moveToRound, newRound, pruneDecisions, recordDecisions } from '../../src/store/effects.ts';
import { migrations } from '../../src/store/migrate.ts';

describe('store (PGlite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('applies every migration once, also on reopen', async () => {
    let db = await openDatabase({ dataDir: dir });
    const versions = async () => (await db.query<{ version: number }>('SELECT version FROM vigil_migrations ORDER BY version')).map((r) => r.version);
    assert.deepEqual(await versions(), migrations().map((m) => m.version));
    await db.close();
    db = await openDatabase({ dataDir: dir });
    assert.deepEqual(await versions(), migrations().map((m) => m.version));
    await db.close();
  });
});

// The idempotency primitive on both stores, with the same migrations: PGlite, and the Postgres
// server the test runner starts (shared by every test, so names are unique to this run).
function effectsTests(store: string, open: () => Promise<Database>): void {
  const run = randomUUID().slice(0, 8);
  const P = Object.fromEntries(['p1', 'p2', 'p3', 'p4', 'p5'].map((p) => [p, `${p}-${run}`])) as Record<'p1' | 'p2' | 'p3' | 'p4' | 'p5', string>;

  describe(`decisions (${store})`, () => {
    it('stores a decision once per (processor, event_id); the first one stands', async () => {
      const db = await open();
      try {
        const r1 = await db.transaction((tx) => newRound(tx));
        const first = await db.transaction((tx) =>
          recordDecisions(tx, P.p1, r1, [
            { eventId: 'e1', outputs: [{ n: 1 }] },
            { eventId: 'e2', outputs: [] },
          ]),
        );
        assert.deepEqual([...first].sort(), ['e1', 'e2']);
        const r2 = await db.transaction((tx) => newRound(tx));
        assert.ok(r2 > r1, 'every round has an id of its own');
        const second = await db.transaction((tx) =>
          recordDecisions(tx, P.p1, r2, [
            { eventId: 'e1', outputs: [{ n: 99 }] },
            { eventId: 'e3', outputs: [{ n: 3 }] },
          ]),
        );
        assert.deepEqual([...second], ['e3']);
        // Another processor's decision for the same event is its own.
        assert.deepEqual([...(await db.transaction((tx) => recordDecisions(tx, P.p2, r2, [{ eventId: 'e1', outputs: [] }])))], ['e1']);
        const found = await findDecisions(db, P.p1, ['e1', 'e3', 'e4']);
        assert.deepEqual(Object.fromEntries(found), { e1: { outputs: [{ n: 1 }], delivered: false }, e3: { outputs: [{ n: 3 }], delivered: false } });
        // Once a round's transaction commits to Kafka, a replay reuses its decisions without re-sending.
        await markDelivered(db, P.p1, r2);
        assert.deepEqual(Object.fromEntries(await findDecisions(db, P.p1, ['e1', 'e3'])), {
          e1: { outputs: [{ n: 1 }], delivered: false },
          e3: { outputs: [{ n: 3 }], delivered: true },
        });
        assert.equal((await findDecisions(db, P.p2, ['e1'])).get('e1')?.delivered, false, 'per processor');
      } finally {
        await db.close();
      }
    });

    it('delivers a decision whose round failed with the round that sends it again', async () => {
      const db = await open();
      try {
        const failed = await db.transaction((tx) => newRound(tx));
        await db.transaction((tx) => recordDecisions(tx, P.p3, failed, [{ eventId: 'e1', outputs: [{ n: 1 }] }, { eventId: 'e2', outputs: [{ n: 2 }] }]));
        // Round `failed` never committed to Kafka. The next round sends e1 again and is delivered.
        const next = await db.transaction(async (tx) => {
          const round = await newRound(tx);
          await moveToRound(tx, P.p3, round, ['e1']);
          return round;
        });
        await markDelivered(db, P.p3, next);
        const found = await findDecisions(db, P.p3, ['e1', 'e2']);
        assert.equal(found.get('e1')?.delivered, true);
        assert.equal(found.get('e2')?.delivered, false, 'not sent yet: sent again by a later round');
        // A delivered decision never moves: a round that then failed would make it look undelivered.
        const later = await db.transaction(async (tx) => {
          const round = await newRound(tx);
          await moveToRound(tx, P.p3, round, ['e1']);
          return round;
        });
        assert.notEqual(later, next);
        assert.equal((await findDecisions(db, P.p3, ['e1'])).get('e1')?.delivered, true);
        // Rows marked one by one before rounds existed (delivered_at) stay delivered.
        await db.query("UPDATE effects SET delivered_at = now(), round_id = NULL WHERE processor = $1 AND event_id = 'e2'", [P.p3]);
        assert.equal((await findDecisions(db, P.p3, ['e2'])).get('e2')?.delivered, true);
      } finally {
        await db.close();
      }
    });

    it('forgets old delivered decisions, never undelivered ones, and the marks of emptied rounds', async () => {
      const db = await open();
      const DAY_MS = 86_400_000;
      try {
        const round = async (processor: string, ids: string[], delivered: boolean) => {
          const r = await db.transaction(async (tx) => {
            const id = await newRound(tx);
            await recordDecisions(tx, processor, id, ids.map((eventId) => ({ eventId, outputs: [{ eventId }] })));
            return id;
          });
          if (delivered) await markDelivered(db, processor, r);
          return r;
        };
        const old = await round(P.p4, ['a1', 'a2'], true);
        await round(P.p4, ['b1'], false); // its Kafka transaction never committed
        const recent = await round(P.p4, ['c1'], true);
        await round(P.p4, ['d1'], false);
        await db.query("UPDATE effects SET delivered_at = now(), round_id = NULL WHERE processor = $1 AND event_id = 'd1'", [P.p4]); // marked the old way
        const emptied = await round(P.p4, [], true); // its decisions were deleted already (a forgotten patient)
        await round(P.p5, ['a1'], true);
        await db.query(`UPDATE effects SET decided_at = now() - interval '10 days' WHERE processor = ANY($1::text[]) AND event_id <> 'c1'`, [[P.p4, P.p5]]);
        await db.query(`UPDATE delivered_rounds SET delivered_at = now() - interval '10 days' WHERE processor = ANY($1::text[]) AND round_id <> $2`, [[P.p4, P.p5], recent.toString()]);

        // One row a statement: the chunks add up.
        assert.deepEqual(await pruneDecisions(db, P.p4, 7 * DAY_MS, 1), { decisions: 3, rounds: 2 });
        assert.deepEqual([...(await findDecisions(db, P.p4, ['a1', 'a2', 'b1', 'c1', 'd1'])).keys()].sort(), ['b1', 'c1']);
        const marks = await db.query<{ round_id: string }>('SELECT round_id::text AS round_id FROM delivered_rounds WHERE processor = $1', [P.p4]);
        assert.deepEqual(marks.map((m) => BigInt(m.round_id)), [recent], `rounds ${old} and ${emptied} are gone`);
        assert.equal((await findDecisions(db, P.p5, ['a1'])).get('a1')?.delivered, true, 'another processor keeps its own');
        // Kept longer than they are old: nothing goes.
        assert.deepEqual(await pruneDecisions(db, P.p5, 30 * DAY_MS), { decisions: 0, rounds: 0 });
      } finally {
        await db.close();
      }
    });
  });
}

const pgliteDir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
after(() => rmSync(pgliteDir, { recursive: true, force: true }));
effectsTests('PGlite', () => openDatabase({ dataDir: pgliteDir }));
effectsTests('Postgres server', () => {
  const url = process.env.VIGIL_TEST_DATABASE_URL;
  assert.ok(url, 'VIGIL_TEST_DATABASE_URL is set by the test runner');
  return openDatabase({ url });
});
