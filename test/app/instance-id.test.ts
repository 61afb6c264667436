// The instance id names this job among the instances reading the same groups (it is part of every
// worker's transactional id): the host name by default, else the config file's kafka.instanceId,
// else VIGIL_INSTANCE_ID; anything that does not fit a transactional id is refused by name.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-instance-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function configFile(instanceId: string): string {
  const file = join(dir, `${instanceId.length}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ kafka: { instanceId } }));
  return file;
}

describe('instance id', () => {
  it('is the host name by default', () => {
    assert.equal(loadConfig({ VIGIL_CONFIG: '' }).kafka.instanceId, hostname());
  });

  it('comes from kafka.instanceId, and VIGIL_INSTANCE_ID overrides the file', () => {
    const file = configFile('ward-b-1');
    assert.equal(loadConfig({ VIGIL_CONFIG: file }).kafka.instanceId, 'ward-b-1');
    assert.equal(loadConfig({ VIGIL_CONFIG: file, VIGIL_INSTANCE_ID: 'ward-b-2' }).kafka.instanceId, 'ward-b-2');
    // Set but empty counts as unset, as `VAR= cmd` intends.
    assert.equal(loadConfig({ VIGIL_CONFIG: file, VIGIL_INSTANCE_ID: '' }).kafka.instanceId, 'ward-b-1');
  });

  it('refuses what does not fit a transactional id, naming where it came from', () => {
    const refused = (where: string) => (err: unknown) => err instanceof ConfigError && err.message.startsWith(`${where}: must be 1 to 64 letters`);
    assert.throws(() => loadConfig({ VIGIL_CONFIG: '', VIGIL_INSTANCE_ID: 'ward b' }), refused('VIGIL_INSTANCE_ID'));
    assert.throws(() => loadConfig({ VIGIL_CONFIG: '', VIGIL_INSTANCE_ID: 'x'.repeat(65) }), refused('VIGIL_INSTANCE_ID'));
    assert.throws(() => loadConfig({ VIGIL_CONFIG: configFile('a/b') }), refused('kafka.instanceId'));
  });
});
