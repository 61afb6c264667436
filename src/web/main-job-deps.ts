// The dashboard's data access in the main job: library calls in-process (PGlite serves one
// process, so nothing shells out to the CLI), over the job's own store, workers and lag monitor.
import type { LagMonitor } from '../observe/lag.ts';
import type { RuntimeStats } from '../runtime/engine.ts';
import { DlqError, type DlqOptions, type PayloadOpener, purgeDeadLetters, releaseParked, replayDeadLetter, replayGroup, showDeadLetter, viewDeadLetterPayload } from '../runtime/dlq.ts';
import type { DlqMonitor } from '../runtime/dlq-monitor.ts';
import { latestAiDecisions } from '../store/ai-decisions.ts';
import { listAudit } from '../store/audit-log.ts';
import type { Sql } from '../store/db.ts';
import { keyFingerprint, listParkedKeys } from '../store/parked-keys.ts';
import type { DashboardDeps } from './deps.ts';

export interface MainJobDashboardOptions extends DlqOptions {
  db: Sql;
  lagMonitor: LagMonitor;
  dlqMonitor: DlqMonitor;
  workers: { stats(): RuntimeStats | undefined }[];
  /** Opens sealed payloads for investigators (the job's payload crypto); without it they show sealed. */
  openPayload?: PayloadOpener;
}

export function mainJobDashboardDeps(opts: MainJobDashboardOptions): DashboardDeps {
  const dlq = { bootstrap: opts.bootstrap, security: opts.security, clientId: opts.clientId, topology: opts.topology, db: opts.db };
  // Every action changes entry states: the next listing reads the DLQ and the store again.
  const acting = async <T>(action: Promise<T>): Promise<T> => {
    try {
      return await action;
    } finally {
      opts.dlqMonitor.invalidate();
    }
  };
  return {
    lag: () => opts.lagMonitor.report(),
    throughput: () =>
      opts.workers.flatMap((w) => {
        const s = w.stats();
        return s ? [{ group: s.group, processed: s.processed, retries: s.retries, deadLettered: s.deadLettered, inFlight: s.inFlight, buffered: s.buffered, paused: s.paused, parkedKeys: s.parkedKeys }] : [];
      }),
    decisions: (limit) => latestAiDecisions(opts.db, limit),
    dlqEntries: () => opts.dlqMonitor.entries(),
    dlqEntry: (ref) => showDeadLetter({ ...dlq, ref }),
    viewPayload: (ref, by) => viewDeadLetterPayload({ ...dlq, ...by, ref, open: opts.openPayload }),
    replay: (ref, by) => acting(replayDeadLetter({ ...dlq, ...by, ref })),
    replayGroup: (group, by) => acting(replayGroup({ ...dlq, ...by, group })),
    purge: (target, by) => acting(purgeDeadLetters({ ...dlq, ...by, ...target })),
    parkedKeys: async () =>
      (await listParkedKeys(opts.db)).map((k) => ({
        group: k.group,
        keyRef: keyFingerprint(k.group, k.key),
        sourceTopic: k.sourceTopic,
        sourcePartition: k.sourcePartition,
        sourceOffset: k.sourceOffset,
        parkedAt: k.parkedAt,
      })),
    release: async (group, keyRef, by) => {
      const row = (await listParkedKeys(opts.db, group)).find((k) => keyFingerprint(k.group, k.key) === keyRef);
      if (!row) throw new DlqError(`no parked key ${keyRef} in group ${group}`);
      return acting(releaseParked({ ...dlq, ...by, group, key: row.key }));
    },
    audit: (limit) => listAudit(opts.db, limit),
  };
}
