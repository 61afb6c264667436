// The dead-letter topic for people: list its entries (metadata only), re-deliver entries to their
// source topic, and release keys parked by the hold-key policy. The DLQ itself is never changed:
// Kafka is a log. A re-delivered record is the original (key, value bytes, ce_* headers) plus
// vigil_replay_of / vigil_replay_group, so a worker processes it like the first time.
import {
  Consumer,
  FetchIsolationLevels,
  IS_CONTROL,
  IS_TRANSACTIONAL,
  Producer,
  type RecordsBatch,
  compatibilityPartitioner,
  stringSerializer,
} from '@platformatic/kafka';
import { type Headers, decodeEvent } from '../event/codec.ts';
import { type ClinicalEvent, EventValidationError } from '../event/envelope.ts';
import { type KafkaConnection, kafkaClientOptions } from '../kafka/connection.ts';
import { logger } from '../phi/log.ts';
import type { Sql } from '../store/db.ts';
import { appendAudit } from '../store/audit-log.ts';
import { type EntryAddress, type Resolution, type ResolutionAction, recordResolutions, resolutionOf, resolutionsOf } from '../store/dlq-resolutions.ts';
import { type ParkedKey, keyFingerprint, listParkedKeys, releaseKey } from '../store/parked-keys.ts';
import { type Topology, deadLetterTopic } from '../topology/topology.ts';
import { DLQ_HEADER, KEY_PARKED, REPLAY_HEADER } from './dead-letter.ts';

export { REPLAY_HEADER };

/** What a DLQ entry may show anyone: where it came from and why it failed. No key, no value. */
export interface DlqEntry {
  /** The entry's address: its DLQ offset, or `<partition>:<offset>` beyond partition 0. */
  ref: string;
  partition: number;
  offset: bigint;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: bigint;
  group: string;
  /** The DLQ record key: the event type, or `undecodable`. */
  eventType: string;
  /** The ce_id header; null for a record that was not an event. */
  eventId: string | null;
  errorClass: string;
  rule: string;
  attempts: number;
  failedAt: string;
  /** Parked behind an earlier failure of its key (hold-key), not failed itself. */
  parked: boolean;
  /** This record was itself a re-delivery of that entry, and failed again. */
  replayOf: string | null;
}

/** An entry with what re-delivery needs. Key and value are PHI: never print or log them. */
export interface DeadLetter extends DlqEntry {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** An entry with what people did with it: open, or its latest resolution. */
export interface ListedEntry extends DlqEntry {
  /** `unknown` when the store was not consulted. */
  state: 'open' | ResolutionAction | 'unknown';
  resolution: Resolution | null;
}

export interface DlqOptions extends KafkaConnection {
  clientId?: string;
  topology: Topology;
}

/** Who acts, and why: recorded with each resolution and in the audit log. */
export interface Attribution {
  /** Defaults to `unattributed`. */
  actor?: string;
  reason?: string;
}

export interface RedeliverOptions extends DlqOptions, Attribution {
  /** The store holding parked keys. */
  db: Sql;
  /**
   * After releasing a key, how long to wait before re-delivering: running workers re-read their
   * parked keys every 2 s (engine.ts), and one that still held the key would park the records again.
   */
  settleMs?: number;
}

export interface Redelivery {
  ref: string;
  eventId: string | null;
  /** Re-delivered as a parked follower of a released key. */
  follower: boolean;
  topic: string;
  partition: number;
  offset: bigint;
}

export interface RedeliveryResult {
  /** Keys released (a count: keys are patient ids). */
  released: number;
  redelivered: Redelivery[];
}

export class DlqError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DlqError';
  }
}

const log = logger('dlq');
const DEFAULT_SETTLE_MS = 3_000;
const MAX_FETCH_BYTES = 64 * 1_048_576;

export function entryRef(partition: number, offset: bigint): string {
  return partition === 0 ? String(offset) : `${partition}:${offset}`;
}

export function parseEntryRef(text: string): { partition: number; offset: bigint } {
  const m = /^(?:(\d+):)?(\d+)$/.exec(text.trim());
  if (!m) throw new DlqError('a DLQ entry is named by its offset (or <partition>:<offset>)');
  return { partition: m[1] === undefined ? 0 : Number(m[1]), offset: BigInt(m[2] as string) };
}

/** The metadata of an entry, field by field: a whitelist, so nothing PHI-bearing slips in. */
function toEntry(d: DeadLetter): DlqEntry {
  return {
    ref: d.ref,
    partition: d.partition,
    offset: d.offset,
    sourceTopic: d.sourceTopic,
    sourcePartition: d.sourcePartition,
    sourceOffset: d.sourceOffset,
    group: d.group,
    eventType: d.eventType,
    eventId: d.eventId,
    errorClass: d.errorClass,
    rule: d.rule,
    attempts: d.attempts,
    failedAt: d.failedAt,
    parked: d.parked,
    replayOf: d.replayOf,
  };
}

/** Keeps the records of committed transactions only (Kafka's read_committed rule, per fetch). */
function committedRecords(batches: RecordsBatch[], aborted: { producerId: bigint; firstOffset: bigint }[]): { batch: RecordsBatch; index: number }[] {
  const pending = [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  const abortedProducers = new Set<bigint>();
  const out: { batch: RecordsBatch; index: number }[] = [];
  for (const batch of batches) {
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    while (pending.length > 0 && (pending[0] as { firstOffset: bigint }).firstOffset <= last) abortedProducers.add((pending.shift() as { producerId: bigint }).producerId);
    if (batch.attributes & IS_CONTROL) {
      // A control record's key: version (int16), then type (int16): 0 abort, 1 commit.
      if (batch.records[0]?.key?.readInt16BE(2) === 0) abortedProducers.delete(batch.producerId);
      continue;
    }
    if (batch.attributes & IS_TRANSACTIONAL && abortedProducers.has(batch.producerId)) continue;
    batch.records.forEach((_, index) => out.push({ batch, index }));
  }
  return out;
}

function deadLetterOf(partition: number, offset: bigint, key: Buffer | null, value: Buffer | null, raw: [Buffer | null, Buffer | null][]): DeadLetter | undefined {
  const headers: Record<string, string> = {};
  for (const [k, v] of raw) if (k) headers[k.toString()] = v?.toString() ?? '';
  const sourceTopic = headers[DLQ_HEADER.sourceTopic];
  const group = headers[DLQ_HEADER.group];
  const sourceKey = headers[DLQ_HEADER.sourceKey];
  const sourcePartition = Number(headers[DLQ_HEADER.sourcePartition]);
  const sourceOffset = headers[DLQ_HEADER.sourceOffset] ?? '';
  // Not written by a vigil worker: nothing says where it would go back to.
  if (!sourceTopic || !group || sourceKey === undefined || !Number.isInteger(sourcePartition) || !/^\d+$/.test(sourceOffset)) return undefined;
  const errorClass = headers[DLQ_HEADER.errorClass] ?? 'unknown';
  return {
    ref: entryRef(partition, offset),
    partition,
    offset,
    sourceTopic,
    sourcePartition,
    sourceOffset: BigInt(sourceOffset),
    group,
    eventType: key?.toString() ?? '',
    eventId: headers.ce_id ?? null,
    errorClass,
    rule: headers[DLQ_HEADER.errorRule] ?? '',
    attempts: Number(headers[DLQ_HEADER.attempts] ?? 0),
    failedAt: headers[DLQ_HEADER.failedAt] ?? '',
    parked: errorClass === KEY_PARKED,
    replayOf: headers[REPLAY_HEADER.of] ?? null,
    key: sourceKey,
    value: value ?? Buffer.alloc(0),
    headers,
  };
}

/**
 * Every committed entry of the DLQ, in DLQ order. Reads with raw fetches and drops aborted
 * transactions itself: the client's message stream lets some aborted records through (it tracks
 * one aborted range per producer), and a worker's aborted commit must not show up as an entry.
 */
export async function readDeadLetters(opts: DlqOptions): Promise<DeadLetter[]> {
  const topic = deadLetterTopic(opts.topology).name;
  const consumer = new Consumer({
    clientId: `${opts.clientId ?? 'vigil'}-dlq`,
    // Never joined: the reader fetches partitions directly and commits nothing.
    groupId: `${opts.clientId ?? 'vigil'}-dlq-reader`,
    ...kafkaClientOptions(opts),
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    maxWaitTime: 500,
  });
  const letters: DeadLetter[] = [];
  let skipped = 0;
  try {
    const info = (await consumer.metadata({ topics: [topic] })).topics.get(topic);
    if (!info) throw new DlqError(`the dead-letter topic ${topic} does not exist: run ./vigil provision`);
    const starts = (await consumer.listOffsets({ topics: [topic], timestamp: -2n })).get(topic) ?? [];
    const ends = (await consumer.listOffsets({ topics: [topic], timestamp: -1n, isolationLevel: FetchIsolationLevels.READ_COMMITTED })).get(topic) ?? [];
    for (let partition = 0; partition < info.partitionsCount; partition++) {
      let next = starts[partition] ?? 0n;
      const end = ends[partition] ?? 0n;
      let maxBytes = 1_048_576;
      while (next < end) {
        const response = await consumer.fetch({
          node: info.partitions[partition]?.leader ?? -1,
          topics: [{ topicId: info.id, partitions: [{ partition, fetchOffset: next, partitionMaxBytes: maxBytes, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }],
        });
        const answer = response.responses.flatMap((r) => r.partitions).find((p) => p.partitionIndex === partition);
        const batches = answer?.records ?? [];
        let reached = next;
        for (const b of batches) {
          const after = b.firstOffset + BigInt(b.lastOffsetDelta) + 1n;
          if (after > reached) reached = after;
        }
        for (const { batch, index } of committedRecords(batches, answer?.abortedTransactions ?? [])) {
          const r = batch.records[index];
          const offset = batch.firstOffset + BigInt(r?.offsetDelta ?? 0);
          if (!r || offset < next || offset >= end) continue;
          const letter = deadLetterOf(partition, offset, r.key, r.value, r.headers);
          if (letter) letters.push(letter);
          else skipped++;
        }
        if (reached > next) {
          next = reached;
        } else {
          // Nothing whole fit (or only records the client already dropped): ask for more.
          maxBytes *= 2;
          if (maxBytes > MAX_FETCH_BYTES) throw new DlqError(`reading ${topic} partition ${partition} made no progress at offset ${next}`);
        }
      }
    }
  } finally {
    await consumer.close();
  }
  if (skipped > 0) log.warn({ topic, skipped }, 'DLQ records without vigil metadata skipped');
  return orderEntries(letters);
}

/** DLQ order: offsets in a one-partition DLQ (the default); across partitions, by failure time. */
function orderEntries<T extends DlqEntry>(letters: T[]): T[] {
  const multi = new Set(letters.map((l) => l.partition)).size > 1;
  return letters.sort((a, b) => {
    if (multi && a.failedAt !== b.failedAt) return a.failedAt < b.failedAt ? -1 : 1;
    if (a.partition !== b.partition) return a.partition - b.partition;
    return a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0;
  });
}

/** Each entry with its state from the store (`unknown` for every entry without one). */
async function withState<T extends DlqEntry>(opts: DlqOptions & { db?: Sql }, entries: T[]): Promise<(T & Pick<ListedEntry, 'state' | 'resolution'>)[]> {
  const resolutions = opts.db ? await resolutionsOf(opts.db, deadLetterTopic(opts.topology).name) : undefined;
  return entries.map((e) => {
    const resolution = resolutions ? resolutionOf(resolutions, e) : null;
    return { ...e, state: resolutions ? (resolution?.action ?? 'open') : 'unknown', resolution };
  });
}

/**
 * DLQ entries (metadata only), optionally of one group. With the store: the open ones, or with
 * `all` every entry and its state. Without it nothing is known of resolutions: every entry.
 */
export async function listDeadLetters(opts: DlqOptions & { group?: string; db?: Sql; all?: boolean }): Promise<ListedEntry[]> {
  const letters = (await readDeadLetters(opts)).filter((l) => opts.group === undefined || l.group === opts.group);
  const listed = await withState(opts, letters.map(toEntry));
  return opts.all ? listed : listed.filter((e) => e.state !== 'replayed' && e.state !== 'released' && e.state !== 'purged');
}

/** One entry's metadata and state. */
export async function showDeadLetter(opts: DlqOptions & { db?: Sql; ref: string }): Promise<ListedEntry> {
  const [entry] = await withState(opts, [toEntry(await findLetter(opts, opts.ref))]);
  return entry as ListedEntry;
}

async function findLetter(opts: DlqOptions, ref: string): Promise<DeadLetter> {
  const { partition, offset } = parseEntryRef(ref);
  const letter = (await readDeadLetters(opts)).find((l) => l.partition === partition && l.offset === offset);
  if (!letter) throw new DlqError(`no DLQ entry ${entryRef(partition, offset)} (see ./vigil dlq list)`);
  return letter;
}

function actorOf(opts: Attribution): string {
  return opts.actor ?? 'unattributed';
}

/** Marks entries resolved and writes one audit row for the action. */
async function markResolved(opts: RedeliverOptions, entries: EntryAddress[], action: ResolutionAction): Promise<void> {
  await recordResolutions(opts.db, deadLetterTopic(opts.topology).name, entries, action, actorOf(opts));
}

async function audit(opts: RedeliverOptions, action: string, target: string): Promise<void> {
  await appendAudit(opts.db, { actor: actorOf(opts), action, target, reason: opts.reason ?? null });
}

/** What a DLQ entry's value holds, decoded for reading: JSON when it parses, else text or base64. */
export type DecodedPayload =
  /** `decrypted`: the event's sealed payload was opened with its patient's data key. */
  | { format: 'json'; value: unknown; decrypted?: true }
  | { format: 'text'; text: string }
  | { format: 'base64'; base64: string }
  /** Sealed for a patient who was forgotten: their data key is destroyed, nothing opens it. */
  | { format: 'forgotten'; eventId: string }
  /** Sealed, but it does not open (unknown key, tampered): shown sealed, with the rule it breaks. */
  | { format: 'sealed'; value: unknown; rule: string };

/**
 * Opens an event's sealed payload (the workers' openPayload hook): the event as it is when it was
 * never sealed, undefined when its patient was forgotten; throws EventValidationError otherwise.
 */
export type PayloadOpener = (event: ClinicalEvent, headers: Headers) => Promise<ClinicalEvent | undefined>;

function decodePayload(value: Buffer): DecodedPayload {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(value);
  if (!Buffer.from(text, 'utf8').equals(value)) return { format: 'base64', base64: value.toString('base64') };
  try {
    return { format: 'json', value: JSON.parse(text) as unknown };
  } catch {
    return { format: 'text', text };
  }
}

/** The entry's value for reading, its payload opened when it is a sealed event and an opener is given. */
async function readablePayload(letter: DeadLetter, open: PayloadOpener | undefined): Promise<DecodedPayload> {
  const decoded = decodePayload(letter.value);
  if (!open || decoded.format !== 'json') return decoded;
  let event: ClinicalEvent;
  try {
    event = decodeEvent(letter.value, letter.headers).event;
  } catch {
    return decoded; // not an event (that may be why it is here): shown as it is
  }
  try {
    const opened = await open(event, letter.headers);
    if (opened === undefined) return { format: 'forgotten', eventId: event.event_id };
    return opened === event ? decoded : { format: 'json', value: opened, decrypted: true };
  } catch (err) {
    if (!(err instanceof EventValidationError)) throw err;
    return { format: 'sealed', value: decoded.value, rule: err.errors.map((e) => `${e.field} ${e.rule}`).join('; ') };
  }
}

/**
 * An entry's payload: PHI, shown only as an explicit action with a reason, which is written to the
 * audit log before anything is returned. With `open`, a sealed payload is shown decrypted.
 */
export async function viewDeadLetterPayload(opts: DlqOptions & Attribution & { db: Sql; ref: string; open?: PayloadOpener }): Promise<{ ref: string; payload: DecodedPayload }> {
  if (!opts.reason?.trim()) throw new DlqError('viewing a payload needs a reason (it is recorded in the audit log)');
  const letter = await findLetter(opts, opts.ref);
  await appendAudit(opts.db, { actor: actorOf(opts), action: 'dlq.view-payload', target: letter.ref, reason: opts.reason.trim() });
  const payload = await readablePayload(letter, opts.open);
  log.info({ ref: letter.ref, group: letter.group, format: payload.format }, 'DLQ payload viewed');
  return { ref: letter.ref, payload };
}

/**
 * Marks entries purged: they leave the open list, nothing is re-delivered and the topic is not
 * changed. A parked key stays parked until it is released.
 */
export async function purgeDeadLetters(opts: Omit<RedeliverOptions, 'settleMs'> & ({ ref: string; group?: undefined } | { group: string; ref?: undefined })): Promise<{ purged: string[] }> {
  let targets: DlqEntry[];
  if (opts.ref !== undefined) targets = [await findLetter(opts, opts.ref)];
  else targets = await listDeadLetters({ ...opts, group: opts.group });
  await markResolved(opts, targets, 'purged');
  await audit(opts, 'dlq.purge', opts.ref !== undefined ? (targets[0] as DlqEntry).ref : `group ${opts.group}`);
  log.info({ purged: targets.length }, 'DLQ entries purged');
  return { purged: targets.map((t) => t.ref) };
}

/** The parked entries of a key that wait behind its failure at `anchor` (-1: from the start). */
function followersOf(letters: DeadLetter[], group: string, key: string, anchor: number): DeadLetter[] {
  const out: DeadLetter[] = [];
  for (let i = anchor + 1; i < letters.length; i++) {
    const l = letters[i] as DeadLetter;
    if (l.group !== group || l.key !== key) continue;
    // A later failure of the key parks what follows it: those belong to that failure.
    if (!l.parked) break;
    out.push(l);
  }
  return out;
}

/** Where the failure that parked this key sits in the DLQ; -1 when it is not there. */
function anchorOf(letters: DeadLetter[], row: ParkedKey): number {
  for (let i = letters.length - 1; i >= 0; i--) {
    const l = letters[i] as DeadLetter;
    if (l.group === row.group && l.key === row.key && l.sourceTopic === row.sourceTopic && l.sourcePartition === row.sourcePartition && String(l.sourceOffset) === row.sourceOffset) return i;
  }
  return -1;
}

async function parkedRow(db: Sql, group: string, key: string): Promise<ParkedKey | undefined> {
  return (await listParkedKeys(db, group)).find((k) => k.key === key);
}

/** Re-delivers in order; each entry re-delivered is marked replayed, also when a later one fails. */
async function send(opts: RedeliverOptions, items: { letter: DeadLetter; follower: boolean }[]): Promise<Redelivery[]> {
  const done: Redelivery[] = [];
  try {
    await sendInto(opts, items, done);
  } finally {
    await markResolved(opts, done.map((d) => parseEntryRef(d.ref)), 'replayed');
  }
  return done;
}

async function sendInto(opts: DlqOptions, items: { letter: DeadLetter; follower: boolean }[], done: Redelivery[]): Promise<void> {
  if (items.length === 0) return;
  const producer = new Producer<Buffer, Buffer, string, string>({
    clientId: `${opts.clientId ?? 'vigil'}-dlq-replay`,
    ...kafkaClientOptions(opts),
    idempotent: true,
    acks: -1,
    // The key's partition as every other vigil producer computes it: the patient's other records.
    partitioner: compatibilityPartitioner,
    serializers: { headerKey: stringSerializer, headerValue: stringSerializer },
  });
  try {
    // One at a time, in order: the order of a key's records is the point of hold-key.
    for (const { letter, follower } of items) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(letter.headers)) if (!k.startsWith('vigil_dlq_')) headers[k] = v;
      headers[REPLAY_HEADER.of] = letter.ref;
      headers[REPLAY_HEADER.group] = letter.group;
      const result = await producer.send({ messages: [{ topic: letter.sourceTopic, key: Buffer.from(letter.key), value: letter.value, headers }] });
      const placed = result.offsets?.[0];
      done.push({ ref: letter.ref, eventId: letter.eventId, follower, topic: letter.sourceTopic, partition: placed?.partition ?? -1, offset: placed?.offset ?? -1n });
    }
  } catch (err) {
    log.error({ redelivered: done.length, of: items.length, error: (err as Error).name }, 'DLQ re-delivery stopped');
    throw new DlqError(`re-delivery stopped after ${done.length} of ${items.length} record(s): ${(err as Error).name}`);
  } finally {
    await producer.close();
  }
  log.info({ redelivered: done.length, followers: done.filter((d) => d.follower).length }, 'DLQ entries re-delivered');
}

async function settle(opts: RedeliverOptions, released: number): Promise<void> {
  const ms = opts.settleMs ?? DEFAULT_SETTLE_MS;
  if (released > 0 && ms > 0) await new Promise((r) => setTimeout(r, ms));
}

/**
 * Re-delivers failed entries to their source topics. When an entry's key is parked for its group,
 * the key is released and its parked followers are re-delivered after it, in their order.
 */
async function redeliver(opts: RedeliverOptions, roots: DeadLetter[]): Promise<RedeliveryResult> {
  // Release first, then read the DLQ again: records a worker parked until it noticed are included.
  const released = new Map<string, ParkedKey>();
  for (const root of roots) {
    const id = `${root.group}\u0000${root.key}`;
    if (released.has(id)) continue;
    const row = await parkedRow(opts.db, root.group, root.key);
    if (row && (await releaseKey(opts.db, root.group, root.key))) released.set(id, row);
  }
  await settle(opts, released.size);
  const letters = released.size > 0 ? await readDeadLetters(opts) : [];

  const items: { letter: DeadLetter; follower: boolean }[] = [];
  const planned = new Set<string>();
  const add = (letter: DeadLetter, follower: boolean) => {
    if (planned.has(letter.ref)) return;
    planned.add(letter.ref);
    items.push({ letter, follower });
  };
  const attached = new Set<string>();
  for (const root of roots) {
    const id = `${root.group}\u0000${root.key}`;
    const row = released.get(id);
    if (!row || attached.has(id)) {
      add(root, false);
      continue;
    }
    const anchor = anchorOf(letters, row);
    const anchorRef = letters[anchor]?.ref;
    // Followers go right after the failure that parked them when that is re-delivered too,
    // otherwise after the first re-delivered entry of their key.
    if (anchorRef !== undefined && anchorRef !== root.ref && roots.some((r) => r.ref === anchorRef)) {
      add(root, false);
      continue;
    }
    attached.add(id);
    const followers = followersOf(letters, root.group, root.key, anchor >= 0 ? anchor : letters.findIndex((l) => l.ref === root.ref));
    // A parked entry replayed on its own while its key is still parked goes in its place among
    // them (as a release would). An older failure of a key parked by a newer one brings that newer
    // failure along: its followers must not overtake it.
    if (!followers.some((f) => f.ref === root.ref)) {
      add(root, false);
      const parkedBy = letters[anchor];
      if (parkedBy) add(parkedBy, false);
    }
    for (const f of followers) add(f, true);
  }
  return { released: released.size, redelivered: await send(opts, items) };
}

/** Re-delivers one DLQ entry (and, when its key is parked, the entries parked behind it). */
export async function replayDeadLetter(opts: RedeliverOptions & { ref: string }): Promise<RedeliveryResult> {
  const letter = await findLetter(opts, opts.ref);
  await audit(opts, 'dlq.replay', letter.ref);
  return redeliver(opts, [letter]);
}

/**
 * Re-delivers every failed entry of a group, in DLQ order, as replayDeadLetter would. Parked
 * entries come along behind their failure; entries that were re-delivered and failed again are
 * represented by their newest failure.
 */
export async function replayGroup(opts: RedeliverOptions & { group: string }): Promise<RedeliveryResult> {
  const letters = await withState(opts, (await readDeadLetters(opts)).filter((l) => l.group === opts.group));
  const superseded = new Set(letters.map((l) => l.replayOf).filter((r) => r !== null));
  await audit(opts, 'dlq.replay-group', `group ${opts.group}`);
  return redeliver(
    opts,
    // Resolved entries stay as they are: replaying a group re-delivers what is still open.
    letters.filter((l) => !l.parked && !superseded.has(l.ref) && l.state === 'open'),
  );
}

/** Releases a parked key without re-delivering its failure; its parked followers are re-delivered. */
export async function releaseParked(opts: RedeliverOptions & { group: string; key: string }): Promise<RedeliveryResult> {
  const row = await parkedRow(opts.db, opts.group, opts.key);
  if (!row || !(await releaseKey(opts.db, opts.group, opts.key))) throw new DlqError(`that key is not parked in group ${opts.group}`);
  await audit(opts, 'dlq.release', `group ${opts.group} key ${keyFingerprint(opts.group, opts.key)}`);
  await settle(opts, 1);
  const letters = await readDeadLetters(opts);
  let anchor = anchorOf(letters, row);
  if (anchor < 0) anchor = letters.findLastIndex((l) => l.group === opts.group && l.key === opts.key && !l.parked);
  // The failure that parked the key is released (not re-delivered); its followers are re-delivered.
  const failure = letters[anchor];
  if (failure) await markResolved(opts, [failure], 'released');
  const followers = followersOf(letters, opts.group, opts.key, anchor);
  return { released: 1, redelivered: await send(opts, followers.map((letter) => ({ letter, follower: true }))) };
}

/** An entry's metadata as JSON (offsets as numbers): a whitelist, so nothing else can slip in. */
export function dlqEntryJson(e: ListedEntry): Record<string, unknown> {
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
    state: e.state,
    resolution: e.resolution,
  };
}
