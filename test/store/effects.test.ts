import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../../src/store/db.ts';
import { findDecisions, markDelivered, recordDecisions } from '../../src/store/effects.ts';
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

  it('stores a decision once per (processor, event_id); the first one stands', async () => {
    const db = await openDatabase({ dataDir: dir });
    try {
      const first = await db.transaction((tx) =>
        recordDecisions(tx, 'p1', [
          { eventId: 'e1', outputs: [{ n: 1 }] },
          { eventId: 'e2', outputs: [] },
        ]),
      );
      assert.deepEqual([...first].sort(), ['e1', 'e2']);
      const second = await db.transaction((tx) =>
        recordDecisions(tx, 'p1', [
          { eventId: 'e1', outputs: [{ n: 99 }] },
          { eventId: 'e3', outputs: [{ n: 3 }] },
        ]),
      );
      assert.deepEqual([...second], ['e3']);
      // Another processor's decision for the same event is its own.
      assert.deepEqual([...(await db.transaction((tx) => recordDecisions(tx, 'p2', [{ eventId: 'e1', outputs: [] }])))], ['e1']);
      const found = await findDecisions(db, 'p1', ['e1', 'e3', 'e4']);
      assert.deepEqual(Object.fromEntries(found), { e1: { outputs: [{ n: 1 }], delivered: false }, e3: { outputs: [{ n: 3 }], delivered: false } });
      // Once the outputs are committed to Kafka a replay reuses the decision without re-sending.
      await markDelivered(db, 'p1', ['e3']);
      assert.deepEqual(Object.fromEntries(await findDecisions(db, 'p1', ['e1', 'e3'])), {
        e1: { outputs: [{ n: 1 }], delivered: false },
        e3: { outputs: [{ n: 3 }], delivered: true },
      });
      assert.equal((await findDecisions(db, 'p2', ['e1'])).get('e1')?.delivered, false, 'per processor');
    } finally {
      await db.close();
    }
  });
});
