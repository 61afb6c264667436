// ./vigil lag and ./vigil groups as a person runs them, against a real broker and no main job.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consumerGroups, defaultTopology } from '../../src/topology/topology.ts';
import { runCli, startCli } from '../support/cli.ts';
import { testKafkaEnv } from '../support/kafka.ts';

const env = () => ({ ...testKafkaEnv() });
const GROUPS = consumerGroups(defaultTopology);

describe('./vigil lag and groups', () => {
  it('lag --json lists every consumer group of the topology with a status', async () => {
    const res = await runCli(['lag', '--json'], env());
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout) as { at: string; groups: { group: string; status: string; totalLag: number; partitions: unknown[] }[] };
    assert.deepEqual(out.groups.map((g) => g.group), GROUPS);
    assert.ok(out.groups.every((g) => ['OK', 'WARN', 'STALL', 'STOP'].includes(g.status) && Number.isInteger(g.totalLag) && Array.isArray(g.partitions)));
  });

  it('groups prints a table, groups --json one entry per group; --group filters', async () => {
    const table = await runCli(['groups'], env());
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^group\s+state\s+members\s+lag\s+max lag s\s+status\s+reason$/m);
    for (const g of GROUPS) assert.match(table.stdout, new RegExp(`^${g}\\s`, 'm'));
    const json = await runCli(['groups', '--json', '--group', 'ai-critical-value-alert'], env());
    assert.equal(json.code, 0, json.stderr);
    const out = JSON.parse(json.stdout) as { groups: { group: string; state: string; members: number }[] };
    assert.deepEqual(out.groups.map((g) => g.group), ['ai-critical-value-alert']);
    assert.equal(typeof out.groups[0]?.state, 'string');
  });

  it('lag --watch --json prints one JSON line per sample until interrupted', async () => {
    const child = startCli(['lag', '--json', '--watch', '1', '--group', 'patient-timeline'], env());
    let stdout = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.split('\n').filter((l) => l.trim()).length >= 2) resolve();
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stdout}`)));
    });
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGINT');
    });
    assert.equal(code, 0);
    const samples = stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { groups: { group: string }[] });
    assert.ok(samples.length >= 2);
    assert.ok(samples.every((s) => s.groups.length === 1 && s.groups[0]?.group === 'patient-timeline'));
  });

  it('refuses bad arguments and explains itself', async () => {
    assert.equal((await runCli(['lag', '--group', 'no-such-group'], env())).code, 64);
    assert.equal((await runCli(['lag', '--watch', '0'], env())).code, 64);
    assert.equal((await runCli(['groups', '--lagging'], env())).code, 64);
    const help = await runCli(['lag', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: \.\/vigil lag/);
    assert.match(help.stdout, /STOP/);
    assert.match((await runCli(['help', 'groups'])).stdout, /Usage: \.\/vigil groups/);
  });
});
