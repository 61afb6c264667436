// ./vigil rules: print the Prometheus alert rules generated from the topology, or write them to a file.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { VigilConfig } from '../config.ts';
import { alertRules, alertRulesYaml } from '../observe/alert-rules.ts';

const USAGE_EXIT = 64;

export async function rulesCommand(config: VigilConfig, args: string[], say: (line: string) => void): Promise<number> {
  let out: string | undefined;
  try {
    ({ values: { out } } = parseArgs({ args, options: { out: { type: 'string' } } }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\nsee ./vigil help rules\n`);
    return USAGE_EXIT;
  }
  const yaml = alertRulesYaml(config.topology);
  if (out === undefined) {
    say(yaml.trimEnd());
    return 0;
  }
  const file = resolve(config.root, out);
  writeFileSync(file, yaml);
  const count = alertRules(config.topology).reduce((n, g) => n + g.rules.length, 0);
  say(`wrote ${count} alert rules to ${file}`);
  return 0;
}
