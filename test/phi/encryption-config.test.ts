// Encryption is on by default in the main job's configuration; VIGIL_ENCRYPTION or the config file
// turns it off, and anything but a yes or a no is refused by name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

const base = { VIGIL_CONFIG: '' };

describe('encryption configuration', () => {
  it('is on by default', () => {
    assert.equal(loadConfig(base).encryption.enabled, true);
  });
  it('is turned off by VIGIL_ENCRYPTION=off, and on again by on', () => {
    assert.equal(loadConfig({ ...base, VIGIL_ENCRYPTION: 'off' }).encryption.enabled, false);
    assert.equal(loadConfig({ ...base, VIGIL_ENCRYPTION: 'on' }).encryption.enabled, true);
  });
  it('refuses anything else, naming the variable', () => {
    assert.throws(() => loadConfig({ ...base, VIGIL_ENCRYPTION: 'maybe' }), (err) => err instanceof ConfigError && /VIGIL_ENCRYPTION: must be true or false/.test(err.message));
  });
});
