// The main job: broker (local unless one is configured), topics, store, and the gateway (JSON and
// FHIR R4 over HTTP, HL7 v2 over MLLP), plus a simulated hospital feeding it, until Ctrl-C.
// Later parts (AI workers, dashboard) join here.
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import type { VigilConfig } from '../config.ts';
import { registerFhirRoutes } from '../gateway/fhir/routes.ts';
import { createHl7Intake } from '../gateway/hl7-intake.ts';
import { buildIntake } from '../gateway/http-intake.ts';
import { MllpServer } from '../gateway/mllp/server.ts';
import { ensureCluster, localBrokerOptions } from '../kafka/cluster.ts';
import { describeConnection, kafkaClientOptions, verifyKafkaAccess } from '../kafka/connection.ts';
import { groupConnection } from '../kafka/group-credentials.ts';
import { EventProducer } from '../kafka/event-producer.ts';
import { stopLocalBroker } from '../kafka/local-broker.ts';
import { createLlmClient, llmConfigured } from '../llm/client.ts';
import { LagMonitor } from '../observe/lag.ts';
import { observeDecision, registerMetrics, trackWorkers } from '../observe/metrics.ts';
import { payloadCrypto } from '../phi/encryption.ts';
import { AuditRelay } from '../phi/audit-relay.ts';
import { logger } from '../phi/log.ts';
import { llmInterpretationNarrator } from '../processors/interpretation-narrator.ts';
import { createPseudonymizer, loadPseudonymKey } from '../phi/pseudonym.ts';
import { runSimulation } from '../simulator/run.ts';
import { storeLlmCache } from '../store/llm-cache.ts';
import { openStore } from '../store/open.ts';
import { DlqMonitor } from '../runtime/dlq-monitor.ts';
import { SupervisedWorker } from '../runtime/supervisor.ts';
import { provision } from '../topology/provision.ts';
import { auditTopic, deadLetterTopic } from '../topology/topology.ts';
import { TokenStore, apiTokenFile, registerAuth } from '../web/auth.ts';
import { registerDashboard } from '../web/dashboard.ts';
import { registerPatientTimeline } from '../web/patient-timeline.ts';
import { mainJobDashboardDeps } from '../web/main-job-deps.ts';
import { GroupProgress } from '../kafka/group-progress.ts';
import { llmDischargeNarrator } from '../processors/discharge-narrator.ts';
import { careGapWorker } from './care-gap-worker.ts';
import { CareGapSweeper } from './care-gap-sweeper.ts';
import { DecisionPruner } from './decision-retention.ts';
import { criticalValueWorker, dischargeSummaryWorker, drugInteractionWorker, priorAuthorizationWorker, resultInterpretationWorker, riskAssessmentWorker, timelineWorker } from './workers.ts';

const log = logger('main');

export interface RunningJob {
  intakeUrl: string;
  fhirUrl: string;
  dashboardUrl: string;
  /** An admin API token made because none existed (first run): shown once, then only its hash is kept. */
  firstAdminToken?: string;
  mllpAddress: string;
  bootstrap: string[];
  stop(): Promise<void>;
}

export async function startMainJob(config: VigilConfig, say: (line: string) => void): Promise<RunningJob> {
  const cluster = await ensureCluster(config, say);
  say(`Kafka: ${describeConnection(cluster)}${config.kafka.brokers ? ' (configured)' : ' (local broker)'}`);
  // Whatever started is stopped again if a later step fails, newest first.
  const stops: (() => Promise<void>)[] = [];
  if (cluster.startedLocal) stops.push(() => stopLocalBroker(localBrokerOptions(config).dir).then(() => {}));
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.error({ error: (err as Error).name }, 'stop step failed'));
  };

  try {
    const admin = new Admin({ clientId: `${config.kafka.clientId}-admin`, ...kafkaClientOptions(cluster) });
    try {
      const results = await provision(admin, config.topology, config.kafka.replicationFactor);
      const changed = results.filter((r) => r.action !== 'unchanged');
      say(`topics: ${results.length} in the topology, ${changed.length} changed`);
      for (const r of changed) say(`  ${r.topic}: ${r.action} (${r.detail})`);
    } finally {
      await admin.close();
    }

    const db = await openStore(config);
    stops.push(() => db.close());
    say(`store: ${process.env.DATABASE_URL ? 'Postgres (DATABASE_URL)' : join(config.home, 'store')}`);
    // Workers open sealed payloads even with encryption off: records sealed earlier stay readable.
    const phi = payloadCrypto(config, db);
    say(`PHI encryption: ${config.encryption.enabled ? 'on (payloads sealed per patient)' : 'off'}`);

    // The LLM phrases interpretations when an endpoint is configured; answers are kept in the store.
    const llm = llmConfigured(config.llm) ? createLlmClient(config.llm, { cache: storeLlmCache(db) }) : undefined;
    // The host only: a URL's path or query may carry more than it should.
    say(llm ? `LLM: ${new URL(config.llm.baseUrl as string).host} model ${llm.model}, ${llm.baa ? 'BAA-covered: identifiers allowed' : 'not BAA-covered: prompts de-identified'}` : 'LLM: none configured, deterministic text');

    // The discharge summary watches the timeline's progress on the encounter's partitions.
    const progress = new GroupProgress({ bootstrap: cluster.bootstrap, security: cluster.security, clientId: config.kafka.clientId });
    stops.push(() => progress.close());
    // Workers first, so that stopping (newest first) closes the gateway before them.
    const declarations = [
      timelineWorker(config.topology),
      criticalValueWorker(config.topology, db),
      resultInterpretationWorker(config.topology, db, llm ? llmInterpretationNarrator(llm) : undefined),
      drugInteractionWorker(config.topology, db),
      dischargeSummaryWorker(config.topology, db, progress, { ...config.dischargeSummary, narrator: llm ? llmDischargeNarrator(llm) : undefined }),
      careGapWorker(config.topology, db),
      riskAssessmentWorker(config.topology, db),
      priorAuthorizationWorker(config.topology, db),
    ];
    // A group with its own credential (kafka.groupCredentials) connects as its own principal; a
    // wrong password stops the start here, naming that user.
    const connections = new Map(declarations.map((d) => [d.group, groupConnection(cluster, config.kafka.groupCredentials, d.group)]));
    const own = [...connections].filter(([, conn]) => conn !== cluster);
    for (const [group, conn] of own) await verifyKafkaAccess(conn, `${config.kafka.clientId}-${group}`);
    if (own.length > 0) say(`Kafka: ${own.map(([group]) => group).join(', ')} connect as their own users`);
    const workers = declarations.map(
      (decl) =>
        new SupervisedWorker(decl, {
          ...connections.get(decl.group)!,
          clientId: config.kafka.clientId,
          // Stable across restarts (a restarted job fences its predecessor's transactions) and
          // different per instance (kafka.instanceId, default the host name).
          instanceId: config.kafka.instanceId,
          deadLetterTopic: deadLetterTopic(config.topology).name,
          db,
          onDecided: observeDecision,
          openPayload: (event, headers) => phi.open(event, headers),
        }),
    );
    for (const w of workers) {
      await w.start();
      stops.push(() => w.stop());
    }
    say(`workers (instance ${config.kafka.instanceId}): ${declarations.map((d) => d.group).join(', ')}`);
    // Stored decisions are kept while their events can be read again, then forgotten (decision-retention.ts).
    const pruner = new DecisionPruner({ db, topology: config.topology, groups: declarations });
    pruner.start();
    stops.push(() => pruner.stop());
    const untrack = trackWorkers(() => workers.map((w) => w.stats()));
    stops.push(async () => untrack());
    // Lag from the broker, for every group of the topology (also those with no worker here).
    const lag = new LagMonitor({ bootstrap: cluster.bootstrap, security: cluster.security, clientId: config.kafka.clientId, topology: config.topology, intervalMs: config.observe.lagIntervalMs });
    lag.start();
    stops.push(() => lag.stop());

    const producer = new EventProducer({
      bootstrap: cluster.bootstrap,
      security: cluster.security,
      clientId: `${config.kafka.clientId}-gateway`,
      topology: config.topology,
      ackTimeoutMs: config.kafka.ackTimeoutMs,
      seal: config.encryption.enabled ? (event) => phi.seal(event) : undefined,
    });
    stops.push(() => producer.close());

    // Care gaps that fall due by time alone: a tick into the patient's partition (see care-gap-sweeper.ts).
    const sweeper = new CareGapSweeper({ db, producer });
    sweeper.start();
    stops.push(() => sweeper.stop());

    const keys = createPseudonymizer(loadPseudonymKey(join(config.home, 'keys', 'pseudonym.key')));
    const intake = buildIntake({ producer, topology: config.topology });
    // Every route needs a token with the right role (src/web/auth.ts). A first run makes an admin
    // token so that someone can sign in at all; more come from ./vigil token create.
    const tokens = new TokenStore(apiTokenFile(config.home));
    const firstAdminToken = tokens.list().length === 0 ? tokens.create('local-admin', 'admin') : undefined;
    registerAuth(intake, tokens);
    registerFhirRoutes(intake, { producer, topology: config.topology, mapOptions: keys });
    registerMetrics(intake);
    // The audit log's rows go to the audit topic too (an outbox, src/phi/audit-relay.ts).
    const auditRelay = new AuditRelay({ db, bootstrap: cluster.bootstrap, security: cluster.security, clientId: config.kafka.clientId, topic: auditTopic(config.topology).name });
    auditRelay.start();
    stops.push(() => auditRelay.stop());
    const dlqMonitor = new DlqMonitor({ bootstrap: cluster.bootstrap, security: cluster.security, clientId: config.kafka.clientId, topology: config.topology, db });
    dlqMonitor.start();
    stops.push(async () => dlqMonitor.stop());
    registerPatientTimeline(intake, db);
    registerDashboard(intake, mainJobDashboardDeps({ bootstrap: cluster.bootstrap, security: cluster.security, clientId: config.kafka.clientId, topology: config.topology, db, lagMonitor: lag, dlqMonitor, workers, openPayload: (event, headers) => phi.open(event, headers) }));
    const address = await intake.listen({ host: config.http.host, port: config.http.port });
    stops.push(() => intake.close());

    const hl7 = createHl7Intake({ producer, db, mapper: { ...keys, timeZone: config.mllp.timeZone } });
    const mllp = new MllpServer({ handler: hl7.handler, host: config.mllp.host, port: config.mllp.port });
    const mllpPort = await mllp.listen();
    stops.push(() => mllp.close());

    if (config.simulator.rate > 0) {
      const abort = new AbortController();
      // A fresh seed per run: control ids never repeat, so a restart resumes instead of replaying.
      const simulation = runSimulation({
        host: config.mllp.host === '0.0.0.0' ? '127.0.0.1' : config.mllp.host,
        port: mllpPort,
        rate: config.simulator.rate,
        durationMs: Number.POSITIVE_INFINITY,
        maxMessages: Number.MAX_SAFE_INTEGER,
        seed: Date.now(),
        start: new Date(),
        connections: config.simulator.connections,
        signal: abort.signal,
        drainTimeoutMs: 5_000,
      }).catch((err: unknown) => log.error({ error: (err as Error).name }, 'simulator stopped'));
      stops.push(async () => {
        abort.abort();
        await simulation;
      });
      say(`simulator: a hospital at ${config.simulator.rate} HL7 messages/s over ${config.simulator.connections} MLLP connections`);
    }

    const dashboardUrl = `${address}/`;
    const intakeUrl = `${address}/events`;
    const mllpAddress = `${config.mllp.host}:${mllpPort}`;
    log.info({ bootstrap: cluster.bootstrap, intake: intakeUrl, mllp: mllpAddress }, 'main job started');
    return { intakeUrl, fhirUrl: `${address}/fhir`, dashboardUrl, firstAdminToken, mllpAddress, bootstrap: cluster.bootstrap, stop: async () => {
      await stopAll();
      log.info({}, 'main job stopped');
    } };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
