// Which test files use the suite's broker, so that the runner's SASL_SSL pass runs just those: a
// file that imports test/support/kafka.ts (the only way to reach that broker: testConnection(),
// testKafkaEnv(), readRecords()...). Files that start a broker of their own (startLocalBroker)
// are left out: the suite's broker is not what they test, and they cost a broker start each.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const USES_SUITE_BROKER = /from '(\.\.\/)+support\/kafka\.ts'/;
const OWN_BROKER = /\bstartLocalBroker\(/;

export function usesSuiteBroker(source: string): boolean {
  return USES_SUITE_BROKER.test(source) && !OWN_BROKER.test(source);
}

/** The files among `files` (paths relative to `root`) that use the suite's broker. */
export function suiteBrokerFiles(root: string, files: string[]): string[] {
  return files.filter((f) => usesSuiteBroker(readFileSync(join(root, f), 'utf8')));
}
