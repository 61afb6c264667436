// The runner's SASL_SSL pass picks the files that use the suite's broker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { suiteBrokerFiles, usesSuiteBroker } from '../../scripts/kafka-test-files.ts';
import { ROOT } from '../support/cli.ts';

describe('test files that use the suite broker', () => {
  it('are those importing test/support/kafka.ts without a broker of their own', () => {
    assert.equal(usesSuiteBroker("import { testConnection } from '../support/kafka.ts';"), true);
    assert.equal(usesSuiteBroker("import { readRecords } from '../../support/kafka.ts';"), true);
    assert.equal(usesSuiteBroker("import { event } from '../support/canary.ts';"), false);
    assert.equal(usesSuiteBroker("import { uniqueSuffix } from '../support/kafka.ts';\nbroker = await startLocalBroker({ secure: {} });"), false);
  });

  it('include the worker runtime tests and leave out pure ones and those starting their own broker', () => {
    const files = ['test/runtime/engine.test.ts', 'test/event/codec.test.ts', 'test/kafka/security.test.ts', 'test/gateway/hl7-gateway.test.ts'];
    assert.deepEqual(suiteBrokerFiles(ROOT, files), ['test/runtime/engine.test.ts']);
  });
});
