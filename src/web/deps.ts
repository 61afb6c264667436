// What the dashboard reads and does, as one small interface: the routes (dashboard.ts) know
// nothing of Kafka or the store, and tests or another host can supply their own.
import type { LagReport } from '../observe/lag.ts';
import type { Attribution, DecodedPayload, ListedEntry, RedeliveryResult } from '../runtime/dlq.ts';
import type { AiDecision } from '../store/ai-decisions.ts';
import type { AuditRow } from '../store/audit-log.ts';

/** A worker's running totals (they restart at 0 when the worker restarts). */
export interface GroupThroughput {
  group: string;
  processed: number;
  retries: number;
  deadLettered: number;
  inFlight: number;
  buffered: number;
  paused: boolean;
  parkedKeys: number;
}

/** A parked key as screens show it: by its fingerprint, never the key (a patient id). */
export interface ParkedKeyView {
  group: string;
  keyRef: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  parkedAt: string;
}

export interface DashboardDeps {
  /** The latest lag sample per consumer group with its status; undefined before the first. */
  lag(): LagReport | undefined;
  throughput(): GroupThroughput[];
  decisions(limit: number): Promise<AiDecision[]>;
  /** Every DLQ entry with its state (metadata only). */
  dlqEntries(): Promise<ListedEntry[]>;
  dlqEntry(ref: string): Promise<ListedEntry>;
  /** Writes an audit row before returning the payload. */
  viewPayload(ref: string, by: Attribution): Promise<{ ref: string; payload: DecodedPayload }>;
  replay(ref: string, by: Attribution): Promise<RedeliveryResult>;
  replayGroup(group: string, by: Attribution): Promise<RedeliveryResult>;
  purge(target: { ref: string } | { group: string }, by: Attribution): Promise<{ purged: string[] }>;
  parkedKeys(): Promise<ParkedKeyView[]>;
  release(group: string, keyRef: string, by: Attribution): Promise<RedeliveryResult>;
  audit(limit: number): Promise<AuditRow[]>;
}
