// Consumer lag, group status and /metrics against a real broker: a group that has not run lags by
// exactly what was produced, and a worker brings it back to 0.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import { lagCommand } from '../../src/cli/lag.ts';
import type { VigilConfig } from '../../src/config.ts';
import { type ClinicalEvent, validateEvent } from '../../src/event/envelope.ts';
import { EventProducer } from '../../src/kafka/event-producer.ts';
import { type GroupReport, LagMonitor, type LagReport } from '../../src/observe/lag.ts';
import { observeDecision, registerMetrics, trackWorkers } from '../../src/observe/metrics.ts';
import { WorkerRuntime } from '../../src/runtime/engine.ts';
import type { Decision } from '../../src/runtime/worker.ts';
import { type Database, openDatabase } from '../../src/store/db.ts';
import { provision } from '../../src/topology/provision.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { containsCanary, event } from '../support/canary.ts';
import { isolatedTopology, testBootstrap, testConnection, topicOf, uniqueSuffix, waitFor, withAdmin } from '../support/kafka.ts';

const N = 25;

/** Sum of the samples of `name` whose labels include all of `labels` (Prometheus text format). */
function metricSum(text: string, name: string, labels: Record<string, string>): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}

function groupOf(report: LagReport, group: string): GroupReport {
  const g = report.groups.find((x) => x.group === group);
  assert.ok(g, `group ${group} in the report`);
  return g;
}

describe('consumer lag against a real broker', () => {
  const suffix = uniqueSuffix();
  let topology: Topology;
  let db: Database;
  let producer: EventProducer;
  let labs: string;
  let group: string;
  let monitor: LagMonitor;
  const app = Fastify();
  const runtimes: WorkerRuntime[] = [];
  const untrack = trackWorkers(() => runtimes.map((r) => r.stats()));

  before(async () => {
    // Topics and groups of their own, so other test files' workers are never members here.
    const isolated = isolatedTopology(suffix);
    topology = { topics: isolated.topics.map((t) => ({ ...t, consumers: t.consumers.map((g) => `${g}-${suffix}`), producers: t.producers.map((g) => `${g}-${suffix}`) })) };
    await withAdmin((admin) => provision(admin, topology, -1));
    labs = topicOf(topology, 'lab-results');
    group = `ai-critical-value-alert-${suffix}`;
    db = await openDatabase({});
    producer = new EventProducer({ ...testConnection(), clientId: 'vigil-test', topology, ackTimeoutMs: 30_000 });
    monitor = new LagMonitor({ ...testConnection(), clientId: 'vigil-test', topology, intervalMs: 60_000 });
    registerMetrics(app);
  });
  after(async () => {
    for (const r of runtimes) await r.stop();
    untrack();
    await monitor.stop();
    await app.close();
    await producer.close();
    await db.close();
  });

  async function metrics(): Promise<string> {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.equal(containsCanary(res.body), undefined);
    return res.body;
  }

  it('a stopped group lags by exactly the records produced, ages, is STOP, then a worker brings it to 0 and OK', async () => {
    const events: ClinicalEvent[] = [];
    for (let i = 0; i < N; i++) events.push(validateEvent(event({ event_id: `${suffix}-${i}`, event_type: 'lab_result', patient_id: `P-${i}`, event_timestamp: new Date().toISOString() })));
    await producer.send(events, { source: 'urn:vigil:test', receivedTime: new Date().toISOString() });

    const first = groupOf(await monitor.sample(), group);
    assert.equal(first.totalLag, N);
    assert.equal(first.members, 0);
    assert.equal(first.status, 'STOP');
    assert.match(first.reason, new RegExp(`${N} record\\(s\\) wait`));
    assert.deepEqual(first.topics, [labs]);
    assert.ok(first.partitions.every((p) => p.committed === null && p.lag === p.end), 'never committed: it starts at the earliest record');
    assert.ok(first.maxLagSeconds >= 0);

    let text = await metrics();
    assert.equal(metricSum(text, 'kafka_consumer_group_lag', { group }), N);
    assert.equal(metricSum(text, 'kafka_consumer_group_lag', { group, topic: labs }), N);
    assert.equal(metricSum(text, 'vigil_consumer_group_status', { group, status: 'STOP' }), 1);
    assert.equal(metricSum(text, 'vigil_consumer_group_status', { group }), 1);

    // The oldest unprocessed record only gets older while nothing consumes.
    await sleep(1_100);
    const second = groupOf(await monitor.sample(), group);
    assert.equal(second.totalLag, N);
    assert.ok(second.maxLagSeconds > first.maxLagSeconds, `${second.maxLagSeconds} > ${first.maxLagSeconds}`);
    for (const p of second.partitions) {
      const before = first.partitions.find((q) => q.partition === p.partition);
      if (p.lag > 0) assert.ok(before && p.lagSeconds > before.lagSeconds);
      else assert.equal(p.lagSeconds, 0);
    }
    assert.equal(second.status, 'STOP');
    assert.equal(monitor.window(group).length, 2);
    text = await metrics();
    assert.ok((metricSum(text, 'kafka_consumer_group_lag_seconds', { group }) ?? 0) > 0);

    const runtime = new WorkerRuntime(
      { group, topics: [labs], processor: async () => ({ outputs: [] }) },
      { ...testConnection(), clientId: 'vigil-test', instanceId: suffix, deadLetterTopic: topicOf(topology, 'ai-events-dlq'), db, onDecided: observeDecision },
    );
    runtimes.push(runtime);
    await runtime.start();
    let last: GroupReport | undefined;
    await waitFor('the lag back to 0', async () => {
      last = groupOf(await monitor.sample(), group);
      return last.totalLag === 0;
    });
    assert.ok(last);
    assert.equal(last.status, 'OK');
    assert.equal(last.members, 1);
    assert.equal(last.maxLagSeconds, 0);
    assert.equal(last.partitions.reduce((n, p) => n + (p.committed ?? 0), 0), N);

    text = await metrics();
    assert.equal(metricSum(text, 'kafka_consumer_group_lag', { group }), 0);
    assert.equal(metricSum(text, 'kafka_consumer_group_lag_seconds', { group }), 0);
    assert.equal(metricSum(text, 'vigil_consumer_group_status', { group, status: 'OK' }), 1);
    assert.equal(metricSum(text, 'vigil_consumer_group_status', { group, status: 'STOP' }), 0);
    // Another group of the topology reading the same topic has not run: it still lags.
    assert.equal(metricSum(text, 'kafka_consumer_group_lag', { group: `patient-timeline-${suffix}`, topic: labs }), N);
  });

  it('exports the runtime figures and latency histograms per group after processing', async () => {
    const text = await metrics();
    assert.equal(metricSum(text, 'vigil_records_processed_total', { group }), N);
    assert.equal(metricSum(text, 'vigil_retries_total', { group }), 0);
    assert.equal(metricSum(text, 'vigil_dead_lettered_total', { group }), 0);
    assert.equal(metricSum(text, 'vigil_in_flight', { group }), 0);
    assert.equal(metricSum(text, 'vigil_paused', { group }), 0);
    assert.equal(metricSum(text, 'vigil_parked_keys', { group }), 0);
    assert.notEqual(metricSum(text, 'vigil_buffered', { group }), undefined);
    assert.equal(metricSum(text, 'vigil_processing_duration_seconds_count', { group }), N);
    assert.equal(metricSum(text, 'vigil_end_to_end_latency_seconds_count', { group, from: 'event_time' }), N);
    assert.equal(metricSum(text, 'vigil_end_to_end_latency_seconds_count', { group, from: 'gateway_receipt' }), N);
    assert.equal(metricSum(text, 'vigil_processing_duration_seconds_bucket', { group, le: '+Inf' }), N);
  });

  it('./vigil lag --json gives per-partition committed, end, lag and status', async () => {
    const lines: string[] = [];
    const config = { topology, kafka: { brokers: testBootstrap(), security: testConnection().security, clientId: 'vigil-test' } } as unknown as VigilConfig;
    assert.equal(await lagCommand(config, ['--json'], (l) => lines.push(l)), 0);
    const out = JSON.parse(lines.join('\n')) as { at: string; groups: { group: string; status: string; totalLag: number; members: number; partitions: { topic: string; partition: number; committed: number | null; end: number; lag: number; lagSeconds: number }[] }[] };
    assert.ok(!Number.isNaN(Date.parse(out.at)));
    const mine = out.groups.find((g) => g.group === group);
    assert.ok(mine);
    assert.equal(mine.totalLag, 0);
    assert.equal(mine.status, 'OK');
    assert.equal(mine.partitions.length, topology.topics.find((t) => t.name === labs)?.partitions);
    assert.equal(mine.partitions.reduce((n, p) => n + p.end, 0), N);
    const timeline = out.groups.find((g) => g.group === `patient-timeline-${suffix}`);
    assert.ok(timeline);
    assert.equal(timeline.totalLag, N);
    assert.equal(timeline.status, 'STOP');
    assert.deepEqual(
      out.groups.map((g) => g.group).sort(),
      [...new Set(topology.topics.flatMap((t) => t.consumers))].sort(),
    );
    const lagging = timeline.partitions.filter((p) => p.lag > 0);
    assert.ok(lagging.every((p) => p.topic === labs && p.committed === null && p.lagSeconds > 0));
  });

  it('a group with a live member whose committed offset does not move while it lags is STALL', async () => {
    const stalled = `ai-result-interpretation-${suffix}`;
    const stuckKey = `STUCK-${suffix}`;
    const runtime = new WorkerRuntime(
      {
        group: stalled,
        topics: [labs],
        policies: { shutdownGraceMs: 100 },
        // One patient's record never finishes (until the worker stops): its partition cannot commit past it.
        processor: (e, { signal }) =>
          e.patient_id === stuckKey ? new Promise<Decision>((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')))) : { outputs: [] },
      },
      { ...testConnection(), clientId: 'vigil-test', instanceId: `${suffix}-stall`, deadLetterTopic: topicOf(topology, 'ai-events-dlq'), db },
    );
    runtimes.push(runtime);
    await runtime.start();
    await producer.send([validateEvent(event({ event_id: `${suffix}-stuck`, event_type: 'lab_result', patient_id: stuckKey }))], { source: 'urn:vigil:test', receivedTime: new Date().toISOString() });
    // A window of two samples: both must show the same committed offset with lag.
    const watch = new LagMonitor({ ...testConnection(), clientId: 'vigil-test', topology, groups: [stalled], windowSize: 2 });
    try {
      await waitFor('everything but the stuck record processed', async () => {
        const g = groupOf(await watch.sample(), stalled);
        return g.totalLag === 1 && g.members === 1;
      });
      const g = groupOf(await watch.sample(), stalled);
      assert.equal(g.status, 'STALL');
      const stuck = g.partitions.find((p) => p.lag === 1);
      assert.ok(stuck);
      const at = stuck.committed === null ? 'no committed offset' : `committed offset ${stuck.committed}`;
      assert.match(g.reason, new RegExp(`^${labs}/${stuck.partition}: ${at} unchanged for \\d+ s while lag 1$`));
    } finally {
      await watch.stop();
    }
  });
});
