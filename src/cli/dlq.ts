// ./vigil dlq list|show|replay|release|purge: the dead-letter topic for people. Metadata only:
// keys (patient ids) are never printed, and a payload only on an explicit, audited request.
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type { VigilConfig } from '../config.ts';
import { requireCluster } from '../kafka/cluster.ts';
import {
  type Attribution,
  type DecodedPayload,
  DlqError,
  type ListedEntry,
  type RedeliveryResult,
  listDeadLetters,
  purgeDeadLetters,
  releaseParked,
  replayDeadLetter,
  replayGroup,
  showDeadLetter,
  viewDeadLetterPayload,
  dlqEntryJson,
} from '../runtime/dlq.ts';
import { payloadCrypto } from '../phi/encryption.ts';
import type { Database } from '../store/db.ts';
import { StoreInUseError, openStore } from '../store/open.ts';
import { table } from './table.ts';

const USAGE_EXIT = 64;

type Say = (line: string) => void;

function usage(message: string): number {
  process.stderr.write(`${message}\nsee ./vigil help dlq\n`);
  return USAGE_EXIT;
}

/** Who acts from the command line: the operating-system user. */
function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}


async function withStore<T>(config: VigilConfig, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openStore(config);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function list(config: VigilConfig, opts: { group: string | undefined; all: boolean; json: boolean }, say: Say): Promise<number> {
  const base = { ...(await requireCluster(config)), clientId: config.kafka.clientId, topology: config.topology, group: opts.group, all: opts.all };
  let entries: ListedEntry[];
  try {
    entries = await withStore(config, (db) => listDeadLetters({ ...base, db }));
  } catch (err) {
    if (!(err instanceof StoreInUseError)) throw err;
    // The main job holds the embedded store: the DLQ itself is still readable, its states are not.
    process.stderr.write('the store is in use (the main job runs): every entry is listed, without its state; the dashboard shows states\n');
    entries = await listDeadLetters(base);
  }
  if (opts.json) {
    say(JSON.stringify({ entries: entries.map(dlqEntryJson) }, null, 2));
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
    e.state,
  ]);
  say(table(['ref', 'failed at', 'group', 'source', 'event type', 'event id', 'error', 'rule', 'attempts', 'replay of', 'state'], rows));
  say(`${entries.length} ${opts.all ? '' : 'open '}entr${entries.length === 1 ? 'y' : 'ies'}`);
  return 0;
}

async function show(config: VigilConfig, ref: string, opts: { json: boolean; payload: boolean; by: Attribution }, say: Say): Promise<number> {
  const common = { ...(await requireCluster(config)), clientId: config.kafka.clientId, topology: config.topology, ref };
  const { entry, viewed } = await withStore(config, async (db) => ({
    entry: await showDeadLetter({ ...common, db }),
    viewed: opts.payload ? await viewDeadLetterPayload({ ...common, ...opts.by, db, open: (event, headers) => payloadCrypto(config, db).open(event, headers) }) : undefined,
  }));
  if (opts.json) {
    say(JSON.stringify({ entry: dlqEntryJson(entry), ...(viewed ? { payload: viewed.payload } : {}) }, null, 2));
    return 0;
  }
  const r = entry.resolution;
  say(
    table(
      ['field', 'value'],
      [
        ['ref', entry.ref],
        ['state', r ? `${entry.state} by ${r.by} at ${r.at}` : entry.state],
        ['group', entry.group],
        ['source', `${entry.sourceTopic}/${entry.sourcePartition}@${entry.sourceOffset}`],
        ['event type', entry.eventType],
        ['event id', entry.eventId ?? '-'],
        ['error', entry.errorClass],
        ['rule', entry.rule],
        ['attempts', String(entry.attempts)],
        ['failed at', entry.failedAt],
        ['parked', entry.parked ? 'yes' : 'no'],
        ['replay of', entry.replayOf ?? '-'],
      ],
    ),
  );
  if (viewed) {
    const p = viewed.payload;
    say(`payload (${p.format}; this view is recorded in the audit log):`);
    say(payloadText(p));
  }
  return 0;
}

/** A viewed payload as text: the opened JSON, or why it cannot be read. */
function payloadText(p: DecodedPayload): string {
  switch (p.format) {
    case 'json':
      return JSON.stringify(p.value, null, 2);
    case 'text':
      return p.text;
    case 'base64':
      return p.base64;
    case 'forgotten':
      return `event ${p.eventId}: its patient was forgotten (data key destroyed); the payload cannot be read`;
    case 'sealed':
      return `sealed, and it does not open (${p.rule}):\n${JSON.stringify(p.value, null, 2)}`;
  }
}

function report(result: RedeliveryResult, say: Say): void {
  const rows = result.redelivered.map((r) => [r.ref, r.eventId ?? '-', r.follower ? 'parked follower' : 'failed entry', r.topic, String(r.partition), String(r.offset)]);
  if (rows.length > 0) say(table(['ref', 'event id', 'as', 'to topic', 'partition', 'offset'], rows));
  say(`${rows.length} record(s) re-delivered; ${result.released} parked key(s) released`);
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
        payload: { type: 'boolean', default: false },
        reason: { type: 'string' },
      },
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [action, ref, ...extra] = positionals;
  if (extra.length > 0) return usage(`unexpected arguments: ${extra.length}`);
  const by: Attribution = { actor: cliActor(), ...(values.reason?.trim() ? { reason: values.reason.trim() } : {}) };
  try {
    switch (action) {
      case 'list':
        if (ref !== undefined) return usage('dlq list takes no positional argument');
        return await list(config, { group: values.group, all: values.all, json: values.json }, say);
      case 'show':
        if (ref === undefined) return usage('dlq show takes a DLQ ref');
        if (values.payload && !by.reason) return usage('dlq show --payload needs --reason TEXT (the view is recorded in the audit log)');
        return await show(config, ref, { json: values.json, payload: values.payload, by }, say);
      case 'replay': {
        if ((ref === undefined) === (values.group === undefined)) return usage('dlq replay takes a DLQ ref, or --group G --all');
        if (values.group !== undefined && !values.all) return usage(`replaying every failed entry of ${values.group} needs --all`);
        const kafka = await requireCluster(config);
        const common = { ...kafka, clientId: config.kafka.clientId, topology: config.topology, ...by };
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
        const result = await withStore(config, (db) => releaseParked({ ...kafka, clientId: config.kafka.clientId, topology: config.topology, ...by, db, group, key }));
        report(result, say);
        return 0;
      }
      case 'purge': {
        if ((ref === undefined) === (values.group === undefined)) return usage('dlq purge takes a DLQ ref, or --group G');
        const common = { ...(await requireCluster(config)), clientId: config.kafka.clientId, topology: config.topology, ...by };
        const { purged } = await withStore(config, (db) =>
          ref !== undefined ? purgeDeadLetters({ ...common, db, ref }) : purgeDeadLetters({ ...common, db, group: values.group as string }),
        );
        if (values.json) say(JSON.stringify({ purged }, null, 2));
        else say(`${purged.length} entr${purged.length === 1 ? 'y' : 'ies'} purged${purged.length ? `: ${purged.join(', ')}` : ''}`);
        return 0;
      }
      default:
        return usage(action ? `unknown dlq action: ${action}` : 'dlq needs an action: list, show, replay, release or purge');
    }
  } catch (err) {
    if (err instanceof DlqError || err instanceof StoreInUseError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
