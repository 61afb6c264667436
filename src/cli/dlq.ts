// ./vigil dlq list|replay|release: the dead-letter topic for people. Metadata only: keys (patient
// ids) and values (payloads) are never printed.
import { parseArgs } from 'node:util';
import type { VigilConfig } from '../config.ts';
import { requireCluster } from '../kafka/cluster.ts';
import { DlqError, type DlqEntry, type RedeliveryResult, listDeadLetters, releaseParked, replayDeadLetter, replayGroup } from '../runtime/dlq.ts';
import type { Database } from '../store/db.ts';
import { openStore } from '../store/open.ts';
import { table } from './table.ts';

const USAGE_EXIT = 64;

type Say = (line: string) => void;

function usage(message: string): number {
  process.stderr.write(`${message}\nsee ./vigil help dlq\n`);
  return USAGE_EXIT;
}

function entryJson(e: DlqEntry): Record<string, unknown> {
  return {
    ref: e.ref,
    partition: e.partition,
    offset: Number(e.offset),
    sourceTopic: e.sourceTopic,
    sourcePartition: e.sourcePartition,
    sourceOffset: Number(e.sourceOffset),
    group: e.group,
    eventType: e.eventType,
    eventId: e.eventId,
    errorClass: e.errorClass,
    rule: e.rule,
    attempts: e.attempts,
    failedAt: e.failedAt,
    parked: e.parked,
    replayOf: e.replayOf,
  };
}

async function list(config: VigilConfig, group: string | undefined, json: boolean, say: Say): Promise<number> {
  const entries = await listDeadLetters({ ...(await requireCluster(config)), clientId: config.kafka.clientId, topology: config.topology, group });
  if (json) {
    say(JSON.stringify({ entries: entries.map(entryJson) }, null, 2));
    return 0;
  }
  const rows = entries.map((e) => [
    e.ref,
    e.failedAt,
    e.group,
    `${e.sourceTopic}/${e.sourcePartition}@${e.sourceOffset}`,
    e.eventType,
    e.eventId ?? '-',
    e.errorClass,
    e.rule,
    String(e.attempts),
    e.replayOf ?? '-',
  ]);
  say(table(['dlq offset', 'failed at', 'group', 'source', 'event type', 'event id', 'error', 'rule', 'attempts', 'replay of'], rows));
  say(`${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`);
  return 0;
}

function report(result: RedeliveryResult, say: Say): void {
  const rows = result.redelivered.map((r) => [r.ref, r.eventId ?? '-', r.follower ? 'parked follower' : 'failed entry', r.topic, String(r.partition), String(r.offset)]);
  if (rows.length > 0) say(table(['dlq offset', 'event id', 'as', 'to topic', 'partition', 'offset'], rows));
  say(`${rows.length} record(s) re-delivered; ${result.released} parked key(s) released`);
}

async function withStore<T>(config: VigilConfig, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openStore(config);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export async function dlqCommand(config: VigilConfig, args: string[], say: Say): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        group: { type: 'string' },
        key: { type: 'string' },
        all: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [action, ref, ...extra] = positionals;
  if (extra.length > 0) return usage(`unexpected arguments: ${extra.length}`);
  try {
    switch (action) {
      case 'list':
        if (ref !== undefined) return usage('dlq list takes no positional argument');
        return await list(config, values.group, values.json, say);
      case 'replay': {
        if ((ref === undefined) === (values.group === undefined)) return usage('dlq replay takes a DLQ offset, or --group G --all');
        if (values.group !== undefined && !values.all) return usage(`replaying every failed entry of ${values.group} needs --all`);
        const kafka = await requireCluster(config);
        const common = { ...kafka, clientId: config.kafka.clientId, topology: config.topology };
        const result = await withStore(config, (db) =>
          ref !== undefined ? replayDeadLetter({ ...common, db, ref }) : replayGroup({ ...common, db, group: values.group as string }),
        );
        report(result, say);
        return 0;
      }
      case 'release': {
        if (ref !== undefined || !values.group || values.key === undefined) return usage('dlq release needs --group G --key K');
        const kafka = await requireCluster(config);
        const key = values.key;
        const group = values.group;
        const result = await withStore(config, (db) => releaseParked({ ...kafka, clientId: config.kafka.clientId, topology: config.topology, db, group, key }));
        report(result, say);
        return 0;
      }
      default:
        return usage(action ? `unknown dlq action: ${action}` : 'dlq needs an action: list, replay or release');
    }
  } catch (err) {
    if (err instanceof DlqError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
