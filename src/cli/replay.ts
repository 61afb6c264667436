// ./vigil replay: move a consumer group's committed offsets so its workers read records again.
import { parseArgs } from 'node:util';
import type { VigilConfig } from '../config.ts';
import { requireCluster } from '../kafka/cluster.ts';
import { GroupActiveError, ReplayError, type ReplayTarget, parseReplayTarget, resetGroupOffsets } from '../runtime/replay.ts';
import { table } from './table.ts';

/** Exit code when the group still has live members. */
export const GROUP_ACTIVE_EXIT = 3;
const USAGE_EXIT = 64;

function usage(message: string): number {
  process.stderr.write(`${message}\nsee ./vigil help replay\n`);
  return USAGE_EXIT;
}

export async function replayCommand(config: VigilConfig, args: string[], say: (line: string) => void): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        group: { type: 'string' },
        to: { type: 'string' },
        topic: { type: 'string' },
        partition: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    return usage((err as Error).message);
  }
  if (!values.group) return usage('--group is required');
  if (!values.to) return usage('--to is required (earliest, an ISO 8601 time, or an offset)');
  let to: ReplayTarget;
  try {
    to = parseReplayTarget(values.to);
  } catch (err) {
    return usage((err as Error).message);
  }
  if (to.kind === 'offset' && !values.topic) return usage('--to <offset> needs --topic');
  if (values.partition !== undefined && !/^\d+$/.test(values.partition)) return usage('--partition must be a partition number');
  if (values.partition !== undefined && !values.topic) return usage('--partition needs --topic');

  const kafka = await requireCluster(config);
  try {
    const result = await resetGroupOffsets({
      ...kafka,
      clientId: config.kafka.clientId,
      topology: config.topology,
      group: values.group,
      to,
      topic: values.topic,
      partition: values.partition === undefined ? undefined : Number(values.partition),
      dryRun: values['dry-run'],
    });
    const rows = result.partitions.map((p) => [p.topic, String(p.partition), p.from === null ? 'none' : String(p.from), String(p.to)]);
    say(table(['topic', 'partition', 'old offset', 'new offset'], rows));
    say(
      result.applied
        ? `group ${result.group}: ${rows.length} partition(s) reset; its workers re-read from there when they start (stored decisions are reused)`
        : `dry run: nothing changed`,
    );
    return 0;
  } catch (err) {
    if (err instanceof GroupActiveError) {
      process.stderr.write(`refused: ${err.message}\n`);
      return GROUP_ACTIVE_EXIT;
    }
    if (err instanceof ReplayError) return usage(err.message);
    throw err;
  }
}
