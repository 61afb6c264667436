// Prometheus alert rules, generated from the topology and its lag budgets so that a consumer
// group added to the topology gets its alerts with it. `./vigil rules` prints them; the copy in
// ops/prometheus/vigil-rules.yml is that output, checked in (a test keeps the two equal).
import { type AlertSeverity, type LagBudget, lagBudgets } from '../topology/lag-budgets.ts';
import { consumerGroups, deadLetterTopic, type Topology } from '../topology/topology.ts';
import { toYaml } from './yaml-emit.ts';

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: AlertSeverity } & Record<string, string>;
  annotations: { summary: string; description: string };
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

// The seed's message-lag threshold and the seed's open dead-letter threshold.
export const LAG_MESSAGES_THRESHOLD = 1000;
export const DLQ_OPEN_THRESHOLD = 10;

const RUNBOOK = 'See docs/operations.md.';

/** The seed's rule: an AI consumer group with a partition more than 1000 messages behind for 5 minutes. */
function messageLagRule(): AlertRule {
  return {
    alert: 'AIConsumerLagCritical',
    // max by group: one alert per group (the worst partition), not one per partition.
    expr: `max by (group) (kafka_consumer_group_lag{group=~"ai-.*"}) > ${LAG_MESSAGES_THRESHOLD}`,
    for: '5m',
    labels: { severity: 'critical' },
    annotations: {
      summary: `AI consumer group {{ $labels.group }} is more than ${LAG_MESSAGES_THRESHOLD} messages behind`,
      description:
        `A partition of {{ $labels.group }} has {{ $value }} records not yet processed, for 5 minutes. ` +
        `Run ./vigil lag and ./vigil groups to see which partitions and whether the group is stalled. ${RUNBOOK}`,
    },
  };
}

/** A budget as people say it: 60 s, 5 min, 1 h. */
function spoken(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 120 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** One rule per consumer group: the age of its oldest unprocessed record against its budget. */
function timeLagRule(group: string, budget: LagBudget): AlertRule {
  return {
    alert: 'ConsumerTimeLagOverBudget',
    expr: `max by (group) (kafka_consumer_group_lag_seconds{group="${group}"}) > ${budget.seconds}`,
    for: budget.for,
    // The group label also keeps the rules of one alert name apart (promtool flags duplicates).
    labels: { severity: budget.severity, group },
    annotations: {
      summary: `Consumer group {{ $labels.group }} is more than ${spoken(budget.seconds)} behind`,
      description:
        `The oldest record waiting for {{ $labels.group }} is {{ $value | humanizeDuration }} old; its budget is ` +
        `${budget.seconds} s because ${budget.reason}. Run ./vigil lag and ./vigil groups. ${RUNBOOK}`,
    },
  };
}

/** Burrow-style evaluation: STALL (commits, but offsets stand still) or STOP (no commits) with records waiting. */
function stalledRule(): AlertRule {
  return {
    alert: 'ConsumerGroupStalled',
    expr: 'max by (group, status) (vigil_consumer_group_status{status=~"STALL|STOP"}) == 1',
    for: '2m',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Consumer group {{ $labels.group }} is {{ $labels.status }}',
      description:
        'Records wait for {{ $labels.group }} but it is {{ $labels.status }} (STALL: it commits but does not ' +
        'advance; STOP: it does not commit). Run ./vigil groups to see its members and ./vigil lag for its ' +
        `partitions, then read the worker logs. ${RUNBOOK}`,
    },
  };
}

/**
 * The seed alerted on the lag of a consumer group `ai-events-dlq`. No consumer group reads the
 * dead-letter topic in this design (people investigate it and replay from it with the CLI), so
 * that series would never exist and the rule would never fire. Entries still open (neither
 * replayed, released nor purged) are what the seed meant to count.
 */
function deadLetterRule(dlqTopic: string): AlertRule {
  return {
    alert: 'AIConsumerDLQGrowing',
    // max(): several vigil processes report the same count; one alert, not one per process.
    expr: `max(vigil_dlq_open_entries) > ${DLQ_OPEN_THRESHOLD}`,
    for: '10m',
    labels: { severity: 'warning', topic: dlqTopic },
    annotations: {
      summary: `More than ${DLQ_OPEN_THRESHOLD} dead-letter entries in ${dlqTopic} wait for someone`,
      description:
        `{{ $value }} entries of ${dlqTopic} have been neither replayed nor released, for 10 minutes. ` +
        `Run ./vigil dlq list to see their groups, error classes and rules; fix the cause, then ` +
        `./vigil dlq replay --group G --all, or ./vigil dlq release for keys that should move on. ${RUNBOOK}`,
    },
  };
}

/** The rule groups for a topology; every consumer group must have a lag budget. */
export function alertRules(topology: Topology, budgets: Record<string, LagBudget> = lagBudgets): RuleGroup[] {
  const timeLag = consumerGroups(topology).map((group) => {
    const budget = budgets[group];
    if (!budget) throw new Error(`consumer group ${group} has no lag budget in src/topology/lag-budgets.ts`);
    return timeLagRule(group, budget);
  });
  return [
    { name: 'vigil-consumer-lag', rules: [messageLagRule(), ...timeLag] },
    { name: 'vigil-consumer-health', rules: [stalledRule()] },
    { name: 'vigil-dead-letter', rules: [deadLetterRule(deadLetterTopic(topology).name)] },
  ];
}

/** The Prometheus rules file for a topology. */
export function alertRulesYaml(topology: Topology): string {
  const groups = alertRules(topology).map((g) => ({
    name: g.name,
    rules: g.rules.map((r) => ({ alert: r.alert, expr: r.expr, for: r.for, labels: r.labels, annotations: r.annotations })),
  }));
  return (
    '# Prometheus alert rules for vigil, generated from the topology by `./vigil rules`.\n' +
    '# Do not edit by hand: change src/topology (or src/observe/alert-rules.ts) and regenerate.\n' +
    toYaml({ groups })
  );
}
