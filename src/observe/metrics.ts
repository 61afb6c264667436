// Prometheus metrics on prom-client's default registry, with the names agreed for the alert rules
// and dashboards. Labels are group, topic, partition, status and origin names only: never a key,
// an id or anything from a payload.
import client from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { DecisionSample, RuntimeStats } from '../runtime/engine.ts';
import type { LagReport } from './lag.ts';
import { GROUP_STATUSES } from './lag-status.ts';

/** Where runtime figures come from: the main job's workers (undefined while one restarts). */
export type StatsSource = () => (RuntimeStats | undefined)[];

const sources = new Set<StatsSource>();

function currentStats(): RuntimeStats[] {
  return [...sources].flatMap((s) => s()).filter((s): s is RuntimeStats => s !== undefined);
}

/** Adds a source of runtime stats; returns a function that removes it again. */
export function trackWorkers(source: StatsSource): () => void {
  sources.add(source);
  return () => void sources.delete(source);
}

// Runtime counters restart at 0 with a restarted worker: keep them monotonic across restarts.
const totals = new Map<string, { base: number; last: number }>();

function monotonic(metric: string, group: string, value: number): number {
  const key = `${metric}\u0000${group}`;
  const t = totals.get(key) ?? { base: 0, last: 0 };
  if (value < t.last) t.base += t.last;
  t.last = value;
  totals.set(key, t);
  return t.base + value;
}

function runtimeGauge(name: string, help: string, read: (s: RuntimeStats) => number): client.Gauge<'group'> {
  return new client.Gauge({
    name,
    help,
    labelNames: ['group'],
    collect() {
      this.reset();
      for (const s of currentStats()) this.set({ group: s.group }, read(s));
    },
  });
}

function runtimeCounter(name: string, help: string, read: (s: RuntimeStats) => number): client.Counter<'group'> {
  return new client.Counter({
    name,
    help,
    labelNames: ['group'],
    collect() {
      this.reset();
      for (const s of currentStats()) this.inc({ group: s.group }, monotonic(name, s.group, read(s)));
    },
  });
}

runtimeGauge('vigil_in_flight', 'Records being processed now', (s) => s.inFlight);
runtimeGauge('vigil_buffered', 'Records fetched and not committed yet', (s) => s.buffered);
runtimeGauge('vigil_paused', '1 while fetching is paused because the buffer is full', (s) => (s.paused ? 1 : 0));
runtimeGauge('vigil_parked_keys', 'Keys parked by the hold-key dead-letter policy', (s) => s.parkedKeys);
runtimeCounter('vigil_records_processed_total', 'Records processed (decisions taken or reused)', (s) => s.processed);
runtimeCounter('vigil_retries_total', 'Processor attempts retried', (s) => s.retries);
runtimeCounter('vigil_dead_lettered_total', 'Records sent to the dead-letter topic', (s) => s.deadLettered);

// From milliseconds to a day: an event's own time can be hours before it reaches vigil.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14_400, 86_400];

const processing = new client.Histogram({
  name: 'vigil_processing_duration_seconds',
  help: 'Time a processor took to decide on a record, retries included',
  labelNames: ['group'],
  buckets: LATENCY_BUCKETS,
});

const endToEnd = new client.Histogram({
  name: 'vigil_end_to_end_latency_seconds',
  help: 'From the event time (event_time) or the gateway receipt (gateway_receipt) to the AI decision',
  labelNames: ['group', 'from'],
  buckets: LATENCY_BUCKETS,
});

/** Records one decision a processor took (the engine's onDecided hook). */
export function observeDecision(sample: DecisionSample, now = Date.now()): void {
  processing.observe({ group: sample.group }, sample.durationMs / 1000);
  const eventTime = Date.parse(sample.eventTimestamp);
  // An event time ahead of the clock (a sender's skew) counts as no delay rather than a negative one.
  if (!Number.isNaN(eventTime)) endToEnd.observe({ group: sample.group, from: 'event_time' }, Math.max(0, now - eventTime) / 1000);
  const received = sample.receivedTime === undefined ? Number.NaN : Date.parse(sample.receivedTime);
  if (!Number.isNaN(received)) endToEnd.observe({ group: sample.group, from: 'gateway_receipt' }, Math.max(0, now - received) / 1000);
}

const lagRecords = new client.Gauge({
  name: 'kafka_consumer_group_lag',
  help: 'Records a consumer group has not processed yet, per partition',
  labelNames: ['group', 'topic', 'partition'],
});

const lagSeconds = new client.Gauge({
  name: 'kafka_consumer_group_lag_seconds',
  help: 'Age of the oldest record a consumer group has not processed yet, per partition (0 without lag)',
  labelNames: ['group', 'topic', 'partition'],
});

const groupStatus = new client.Gauge({
  name: 'vigil_consumer_group_status',
  help: 'Burrow-style consumer group status: 1 for the current one of OK, WARN, STALL, STOP',
  labelNames: ['group', 'status'],
});

/** Replaces the lag and status gauges with a new report (in one go: a scrape sees one report). */
export function recordLagMetrics(report: LagReport): void {
  lagRecords.reset();
  lagSeconds.reset();
  groupStatus.reset();
  for (const g of report.groups) {
    for (const p of g.partitions) {
      const labels = { group: g.group, topic: p.topic, partition: String(p.partition) };
      lagRecords.set(labels, p.lag);
      lagSeconds.set(labels, p.lagSeconds);
    }
    for (const status of GROUP_STATUSES) groupStatus.set({ group: g.group, status }, status === g.status ? 1 : 0);
  }
}

/** GET /metrics on the app's server, in Prometheus text format. */
export function registerMetrics(app: FastifyInstance): void {
  app.get('/metrics', async (_req, reply) => {
    const body = await client.register.metrics();
    return reply.header('content-type', client.register.contentType).send(body);
  });
}
