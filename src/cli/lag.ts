// ./vigil lag and ./vigil groups: consumer lag and group status from the broker alone, so they work
// with the main job stopped (that is when a backlog builds up).
import { parseArgs } from 'node:util';
import type { VigilConfig } from '../config.ts';
import { requireCluster } from '../kafka/cluster.ts';
import type { KafkaConnection } from '../kafka/connection.ts';
import { type GroupReport, LagMonitor, type LagReport, readLag, reportOf } from '../observe/lag.ts';
import { table } from './table.ts';

const USAGE_EXIT = 64;
const DEFAULT_WATCH_SECONDS = 5;

type Say = (line: string) => void;

interface LagArgs {
  json: boolean;
  group: string | undefined;
  lagging: boolean;
  /** Seconds between samples with --watch; undefined for a single sample. */
  watch: number | undefined;
}

function usage(message: string, command: string): number {
  process.stderr.write(`${message}\nsee ./vigil help ${command}\n`);
  return USAGE_EXIT;
}

/** --watch takes an optional number of seconds, which parseArgs cannot express: split it off first. */
function parseLagArgs(args: string[], command: string): LagArgs | string {
  const rest: string[] = [];
  let watch: number | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '--watch') {
      rest.push(args[i] as string);
      continue;
    }
    const next = args[i + 1];
    if (next !== undefined && /^\d+(\.\d+)?$/.test(next)) {
      watch = Number(next);
      i++;
    } else watch = DEFAULT_WATCH_SECONDS;
    if (!(watch > 0)) return '--watch needs a number of seconds above 0';
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, group: { type: 'string' }, lagging: { type: 'boolean', default: false } },
    });
    if (positionals.length > 0) return `${command} takes no positional argument`;
    if (command === 'groups' && values.lagging) return 'groups does not take --lagging';
    return { json: values.json, group: values.group, lagging: values.lagging, watch };
  } catch (err) {
    return (err as Error).message;
  }
}

function seconds(s: number): string {
  return s === 0 ? '0' : s.toFixed(1);
}

function lagTable(report: LagReport, lagging: boolean): string {
  const rows: string[][] = [];
  for (const g of report.groups) {
    for (const p of g.partitions) {
      if (lagging && p.lag === 0) continue;
      rows.push([g.group, p.topic, String(p.partition), p.committed === null ? '-' : String(p.committed), String(p.end), String(p.lag), seconds(p.lagSeconds), g.status]);
    }
  }
  return table(['group', 'topic', 'partition', 'committed', 'end', 'lag', 'lag s', 'status'], rows);
}

function groupsTable(report: LagReport): string {
  const rows = report.groups.map((g) => [g.group, g.state, String(g.members), String(g.totalLag), seconds(g.maxLagSeconds), g.status, g.reason]);
  return table(['group', 'state', 'members', 'lag', 'max lag s', 'status', 'reason'], rows);
}

function groupJson(g: GroupReport): Record<string, unknown> {
  return { group: g.group, state: g.state, members: g.members, totalLag: g.totalLag, maxLagSeconds: g.maxLagSeconds, status: g.status, reason: g.reason };
}

function render(command: 'lag' | 'groups', report: LagReport, args: LagArgs): string {
  const at = new Date(report.at).toISOString();
  if (args.json) {
    const groups = command === 'lag' ? report.groups.map((g) => ({ ...groupJson(g), topics: g.topics, partitions: g.partitions })) : report.groups.map(groupJson);
    // One line per sample under --watch (NDJSON), pretty for a single one.
    return JSON.stringify({ at, groups }, null, args.watch === undefined ? 2 : undefined);
  }
  const body = command === 'lag' ? lagTable(report, args.lagging) : groupsTable(report);
  const total = report.groups.reduce((n, g) => n + g.totalLag, 0);
  return `${body}\n${at}: ${report.groups.length} group(s), ${total} record(s) behind`;
}

async function watch(config: VigilConfig, kafka: KafkaConnection, command: 'lag' | 'groups', args: LagArgs, say: Say): Promise<number> {
  // A monitor, not repeated reads: its window gives the status its trend (WARN, STALL).
  const monitor = new LagMonitor({ ...kafka, clientId: config.kafka.clientId, topology: config.topology, groups: args.group ? [args.group] : undefined });
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    while (!stopped) {
      const report = await monitor.sample();
      if (!args.json && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
      say(render(command, report, args));
      const until = Date.now() + (args.watch as number) * 1000;
      while (!stopped && Date.now() < until) await new Promise((r) => setTimeout(r, Math.min(200, until - Date.now())));
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await monitor.stop();
  }
  return 0;
}

async function run(command: 'lag' | 'groups', config: VigilConfig, argv: string[], say: Say): Promise<number> {
  const args = parseLagArgs(argv, command);
  if (typeof args === 'string') return usage(args, command);
  if (args.group !== undefined && !config.topology.topics.some((t) => t.consumers.includes(args.group as string))) {
    return usage(`${args.group} is not a consumer group of the topology`, command);
  }
  const kafka = await requireCluster(config);
  if (args.watch !== undefined) return watch(config, kafka, command, args, say);
  const snapshot = await readLag({ ...kafka, clientId: config.kafka.clientId, topology: config.topology, groups: args.group ? [args.group] : undefined });
  say(render(command, reportOf(snapshot), args));
  return 0;
}

export function lagCommand(config: VigilConfig, argv: string[], say: Say): Promise<number> {
  return run('lag', config, argv, say);
}

export function groupsCommand(config: VigilConfig, argv: string[], say: Say): Promise<number> {
  return run('groups', config, argv, say);
}

export const LAG_HELP = `Usage: ./vigil lag [--group G] [--lagging] [--json] [--watch [seconds]]

Consumer lag per consumer group of the topology, topic and partition: the group's committed offset
(- when it never committed; it then starts at the earliest record), the partition's end (last
stable offset), the lag in records and in seconds (age of the oldest record not processed yet),
and the group's status. Reads the broker only: works with the main job stopped.
  --group G     only that group          --lagging   only partitions with lag
  --json        {"at", "groups": [{group, state, members, totalLag, maxLagSeconds, status,
                reason, topics, partitions: [{topic, partition, committed, end, lag, lagSeconds}]}]}
  --watch [s]   sample every s seconds (default ${DEFAULT_WATCH_SECONDS}) until Ctrl-C; with --json one line per sample
Status (Burrow-style, over the samples seen): OK; WARN lag rising in every interval; STALL a
partition lagging with its committed offset unchanged while the group has members; STOP lagging
with no live member. A single sample shows OK or STOP only: trends need --watch.
`;

export const GROUPS_HELP = `Usage: ./vigil groups [--group G] [--json] [--watch [seconds]]

Each consumer group of the topology: Kafka's group state, live members, total lag in records,
the oldest unprocessed record's age, and the status with its reason (see ./vigil help lag).
Reads the broker only: works with the main job stopped. --json prints {"at", "groups": [{group,
state, members, totalLag, maxLagSeconds, status, reason}]}.
`;
