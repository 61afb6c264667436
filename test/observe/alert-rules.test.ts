// The generated alert rules: the checked-in file is the generator's output, promtool accepts the
// rules and the example Prometheus config, and promtool's unit tests show every rule firing on
// synthetic series and resolving when they recover.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DLQ_OPEN_THRESHOLD, LAG_MESSAGES_THRESHOLD, type AlertRule, alertRules, alertRulesYaml } from '../../src/observe/alert-rules.ts';
import { type YamlValue, toYaml } from '../../src/observe/yaml-emit.ts';
import { lagBudgets } from '../../src/topology/lag-budgets.ts';
import { consumerGroups, defaultTopology } from '../../src/topology/topology.ts';
import { ROOT, runCli } from '../support/cli.ts';
import { AGREED_SERIES, metricNames } from './agreed-metrics.ts';

const RULES_FILE = resolve(ROOT, 'ops', 'prometheus', 'vigil-rules.yml');
const PROMETHEUS_CONFIG = resolve(ROOT, 'ops', 'prometheus', 'prometheus.yml');

function promtool(...args: string[]): { code: number | null; output: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`promtool did not run (Debian package prometheus): ${r.error.message}`);
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

const rules = alertRules(defaultTopology).flatMap((g) => g.rules);

function rule(alert: string, group?: string): AlertRule {
  const found = rules.find((r) => r.alert === alert && (group === undefined || r.labels.group === group));
  assert.ok(found, `${alert} ${group ?? ''}`);
  return found;
}

function minutes(duration: string): number {
  const m = /^(\d+)m$/.exec(duration);
  assert.ok(m, `a duration in minutes: ${duration}`);
  return Number(m[1]);
}

/** What Prometheus's templating makes of an annotation (only the parts the rules use). */
function render(template: string, labels: Record<string, string>, value: string): string {
  return template
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? '')
    .replace(/\{\{ \$value( \| humanizeDuration)? \}\}/g, () => value);
}

/** Prometheus's humanizeDuration for whole seconds under a day. */
function humanDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h ${m}m ${s}s`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

interface Expectation {
  eval_time: string;
  alertname: string;
  exp_alerts: YamlValue[];
}

function firing(r: AlertRule, labels: Record<string, string>, value: string): YamlValue {
  return {
    exp_labels: { ...labels, ...r.labels },
    exp_annotations: { summary: render(r.annotations.summary, labels, value), description: render(r.annotations.description, labels, value) },
  };
}

/** Pending before `for` has passed, firing after it, resolved once the series recovered. */
function lifecycle(r: AlertRule, pendingAt: number, firingAt: number, resolvedAt: number, alert: YamlValue): Expectation[] {
  return [
    { eval_time: `${pendingAt}m`, alertname: r.alert, exp_alerts: [] },
    { eval_time: `${firingAt}m`, alertname: r.alert, exp_alerts: [alert] },
    { eval_time: `${resolvedAt}m`, alertname: r.alert, exp_alerts: [] },
  ];
}

interface UnitTest {
  name: string;
  interval: string;
  input_series: { series: string; values: string }[];
  alert_rule_test: Expectation[];
}

function messageLagTest(): UnitTest {
  const r = rule('AIConsumerLagCritical');
  const over = LAG_MESSAGES_THRESHOLD * 2.5;
  const hold = minutes(r.for);
  return {
    name: 'AIConsumerLagCritical: one alert for the group whose worst partition is over the threshold',
    interval: '1m',
    input_series: [
      { series: 'kafka_consumer_group_lag{group="ai-critical-value-alert",topic="lab-results",partition="0"}', values: `${over}x${hold + 4} 0x10` },
      { series: 'kafka_consumer_group_lag{group="ai-critical-value-alert",topic="lab-results",partition="1"}', values: '10x20' },
      // Under the threshold, and not an AI consumer (the time-lag rule covers it): no alert.
      { series: `kafka_consumer_group_lag{group="ai-risk-assessment",topic="hl7-adt-events",partition="0"}`, values: `${LAG_MESSAGES_THRESHOLD - 1}x20` },
      { series: 'kafka_consumer_group_lag{group="patient-timeline",topic="lab-results",partition="0"}', values: '5000x20' },
    ],
    alert_rule_test: lifecycle(r, hold - 1, hold + 2, hold + 8, firing(r, { group: 'ai-critical-value-alert' }, String(over))),
  };
}

function timeLagTest(group: string): UnitTest {
  const budget = lagBudgets[group];
  assert.ok(budget, group);
  const r = rule('ConsumerTimeLagOverBudget', group);
  const over = budget.seconds + 30;
  const hold = minutes(r.for);
  return {
    name: `ConsumerTimeLagOverBudget for ${group}: over ${budget.seconds} s for ${r.for}`,
    interval: '1m',
    input_series: [
      { series: `kafka_consumer_group_lag_seconds{group="${group}",topic="t",partition="0"}`, values: `${over}x${hold + 4} 0x10` },
      { series: `kafka_consumer_group_lag_seconds{group="${group}",topic="t",partition="1"}`, values: '0x20' },
    ],
    alert_rule_test: lifecycle(r, hold - 1, hold + 2, hold + 8, firing(r, { group }, humanDuration(over))),
  };
}

function stalledTest(status: 'STALL' | 'STOP'): UnitTest {
  const r = rule('ConsumerGroupStalled');
  const hold = minutes(r.for);
  const statusSeries = (group: string, s: string, values: string) => ({
    series: `vigil_consumer_group_status{group="${group}",status="${s}"}`,
    values,
  });
  return {
    name: `ConsumerGroupStalled: ${status}, then OK again`,
    interval: '1m',
    input_series: [
      statusSeries('ai-risk-assessment', status, `1x${hold + 4} 0x10`),
      statusSeries('ai-risk-assessment', 'OK', `0x${hold + 4} 1x10`),
      // WARN is not an alert.
      statusSeries('ai-care-gap-detection', 'WARN', '1x20'),
    ],
    alert_rule_test: lifecycle(r, hold - 1, hold + 2, hold + 8, firing(r, { group: 'ai-risk-assessment', status }, '')),
  };
}

function deadLetterTest(): UnitTest {
  const r = rule('AIConsumerDLQGrowing');
  const over = DLQ_OPEN_THRESHOLD + 2;
  const hold = minutes(r.for);
  // Two vigil processes report the same count: still one alert.
  const values = `0 5 ${over}x${hold + 4} 4x10`;
  return {
    name: 'AIConsumerDLQGrowing: open entries over the threshold, then replayed',
    interval: '1m',
    input_series: [
      { series: 'vigil_dlq_open_entries{instance="a"}', values },
      { series: 'vigil_dlq_open_entries{instance="b"}', values },
    ],
    // Over the threshold from minute 2, so firing from minute 2 + hold.
    alert_rule_test: lifecycle(r, hold, hold + 4, hold + 12, firing(r, {}, String(over))),
  };
}

function unitTests(): UnitTest[] {
  return [
    messageLagTest(),
    ...consumerGroups(defaultTopology).map(timeLagTest),
    stalledTest('STALL'),
    stalledTest('STOP'),
    deadLetterTest(),
  ];
}

describe('alert rules', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function writeTests(name: string, tests: UnitTest[]): string {
    const file = join(dir, name);
    writeFileSync(file, toYaml({ rule_files: [RULES_FILE], evaluation_interval: '1m', tests } as unknown as YamlValue));
    return file;
  }

  it('the checked-in rules file is what ./vigil rules prints', async () => {
    const checkedIn = readFileSync(RULES_FILE, 'utf8');
    assert.equal(checkedIn, alertRulesYaml(defaultTopology), 'regenerate: ./vigil rules --out ops/prometheus/vigil-rules.yml');
    const cli = await runCli(['rules']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout, checkedIn);
  });

  it('./vigil rules --out writes the same file', async () => {
    const out = join(dir, 'out.yml');
    const cli = await runCli(['rules', '--out', out]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /wrote 11 alert rules/);
    assert.equal(readFileSync(out, 'utf8'), readFileSync(RULES_FILE, 'utf8'));
  });

  it('holds the seed rules, a time-lag budget per consumer group and the stalled rule, with severity and group', () => {
    const groups = consumerGroups(defaultTopology);
    assert.deepEqual(rules.map((r) => r.alert).sort(), [
      'AIConsumerDLQGrowing',
      'AIConsumerLagCritical',
      'ConsumerGroupStalled',
      ...groups.map(() => 'ConsumerTimeLagOverBudget'),
    ]);
    assert.deepEqual(rules.filter((r) => r.alert === 'ConsumerTimeLagOverBudget').map((r) => r.labels.group).sort(), [...groups].sort());
    assert.equal(rule('ConsumerTimeLagOverBudget', 'ai-critical-value-alert').labels.severity, 'critical');
    assert.match(rule('ConsumerTimeLagOverBudget', 'ai-critical-value-alert').expr, /\) > 60$/);
    assert.deepEqual(
      [rule('AIConsumerLagCritical').for, rule('AIConsumerLagCritical').labels.severity, rule('AIConsumerDLQGrowing').for, rule('AIConsumerDLQGrowing').labels.severity],
      ['5m', 'critical', '10m', 'warning'],
    );
    for (const r of rules) {
      assert.ok(r.labels.severity === 'critical' || r.labels.severity === 'warning', r.alert);
      if (r.alert !== 'AIConsumerDLQGrowing') assert.match(r.annotations.summary, /\{\{ \$labels\.group \}\}/, r.alert);
    }
  });

  it('every rule selects only agreed metric names', () => {
    for (const r of rules) {
      const names = metricNames(r.expr);
      assert.ok(names.length > 0, r.expr);
      for (const name of names) assert.ok(AGREED_SERIES.has(name), `${r.alert}: ${name}`);
    }
  });

  it('refuses a topology whose consumer group has no lag budget', () => {
    const topology = {
      topics: defaultTopology.topics.map((t) => (t.name === 'lab-results' ? { ...t, consumers: [...t.consumers, 'ai-new-consumer'] } : t)),
    };
    assert.throws(() => alertRules(topology), /ai-new-consumer has no lag budget/);
  });

  it('promtool check rules accepts the rules file (lint included)', () => {
    const r = promtool('check', 'rules', RULES_FILE);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /SUCCESS: 11 rules found/);
  });

  it('promtool check config accepts the example Prometheus config and the rules it loads', () => {
    const r = promtool('check', 'config', PROMETHEUS_CONFIG);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /SUCCESS: 1 rule files found/);
  });

  it('promtool test rules: every rule fires on synthetic series and resolves when they recover', () => {
    const tests = unitTests();
    // Every rule of the file is exercised.
    const covered = new Set(tests.flatMap((t) => t.alert_rule_test.map((e) => e.alertname)));
    assert.deepEqual([...covered].sort(), [...new Set(rules.map((r) => r.alert))].sort());
    const r = promtool('test', 'rules', writeTests('vigil-rules.test.yml', tests));
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /SUCCESS/);
  });

  it('promtool test rules fails on a wrong expectation (so the test above can fail)', () => {
    const [lag] = unitTests();
    assert.ok(lag);
    // Claim the alert still fires after the lag recovered.
    const wrong: UnitTest = {
      ...lag,
      alert_rule_test: lag.alert_rule_test.map((e, i) => (i === 2 ? { ...e, exp_alerts: lag.alert_rule_test[1]?.exp_alerts ?? [] } : e)),
    };
    const r = promtool('test', 'rules', writeTests('wrong.test.yml', [wrong]));
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /FAILED/);
  });
});
