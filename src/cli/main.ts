// vigil's command line. Output for people goes to stdout; logs (ids and timings only) to stderr.
import { parseArgs } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { loadConfig, type VigilConfig } from '../config.ts';
import { startMainJob } from '../app/main-job.ts';
import { ensureCluster, localBrokerOptions, requireCluster } from '../kafka/cluster.ts';
import { type KafkaConnection, explainKafkaError, kafkaClientOptions } from '../kafka/connection.ts';
import { EventProducer } from '../kafka/event-producer.ts';
import { brokerAnswers, localBrokerStatus, startLocalBroker, stopLocalBroker } from '../kafka/local-broker.ts';
import { payloadCrypto } from '../phi/encryption.ts';
import { StoreInUseError, openStore } from '../store/open.ts';
import { aclPlan, applyAcls } from '../topology/acls.ts';
import { provision } from '../topology/provision.ts';
import { dlqCommand } from './dlq.ts';
import { FORGET_HELP, KEYS_HELP, forgetCommand, keysCommand } from './keys.ts';
import { GROUPS_HELP, LAG_HELP, groupsCommand, lagCommand } from './lag.ts';
import { parseEvents, readInput, sendInBatches } from './produce.ts';
import { replayCommand } from './replay.ts';
import { rulesCommand } from './rules.ts';
import { tokenCommand } from './token.ts';
import { simulateCommand } from './simulate.ts';
import { table } from './table.ts';
import { topologyCommand } from './topology.ts';

const USAGE = `vigil: event-driven clinical AI runtime on Apache Kafka

Usage: ./vigil <command> [options]

Commands:
  start                     run the main job: broker, topics, store, gateway (HTTP, MLLP) and a
                            simulated hospital feeding it (Ctrl-C stops it)
  kafka start|stop|status   manage the local single-node Kafka broker (KRaft)
  topology [--json]         print topics, partitions, keys, retention and consumer groups
  provision [--acls]        create missing topics, correct retention, report partition mismatches;
                            grant the topology's ACLs (always when kafka.security is SASL_SSL)
  produce [file|-]          send events from a JSON or NDJSON file (or stdin) to Kafka
  simulate                  play a simulated hospital into the MLLP gateway (--rate, --duration, --seed)
  replay --group G --to T   reset a stopped consumer group's offsets so it re-reads records
  dlq list|show|replay|...  dead-letter entries: list, show, replay, release, purge (see help dlq)
  lag [--json] [--watch]    consumer lag per group, topic and partition (records and seconds)
  groups [--json]           consumer groups: state, members, total lag, status (OK/WARN/STALL/STOP)
  rules [--out FILE]        print the Prometheus alert rules generated from the topology
  token create|list|revoke  API tokens (roles ingest, viewer, investigator, admin)
  keys rotate               new key-encryption key; re-wrap the stored patient data keys
  forget-patient <id>       crypto-shred a patient: destroy their data keys, delete their rows
  test                      type check, lint and run every test (starts its own broker)
  help [command]            show help

Configuration: vigil.config.json in the project (or $VIGIL_CONFIG); environment variables
KAFKA_BROKERS (use that cluster, start nothing), DATABASE_URL (Postgres instead of the embedded
store), VIGIL_HTTP_HOST, VIGIL_HTTP_PORT, VIGIL_MLLP_HOST, VIGIL_MLLP_PORT, VIGIL_TIME_ZONE,
VIGIL_SIMULATE_RATE, VIGIL_ENCRYPTION (on|off), VIGIL_KAFKA_PORT, VIGIL_ACK_TIMEOUT_MS, VIGIL_HOME, VIGIL_LOG_LEVEL;
Kafka security: VIGIL_KAFKA_SECURITY, VIGIL_KAFKA_SASL_USERNAME, VIGIL_KAFKA_SASL_PASSWORD(_FILE),
VIGIL_KAFKA_SASL_MECHANISM, VIGIL_KAFKA_CA_FILE.
See README.md.
`;

const HELP: Record<string, string> = {
  lag: LAG_HELP,
  groups: GROUPS_HELP,
  keys: KEYS_HELP,
  'forget-patient': FORGET_HELP,
  start: `Usage: ./vigil start

Starts the local Kafka broker unless KAFKA_BROKERS or kafka.brokers is configured, provisions the
topology, opens the store (.vigil/store, or DATABASE_URL), and serves the gateway: HTTP intake
(POST /events, 202 once Kafka acknowledged) and HL7 v2 over MLLP (AA once Kafka acknowledged).
A simulated hospital plays into the MLLP port at VIGIL_SIMULATE_RATE messages/s (default 5; 0
turns it off). Ctrl-C stops everything it started; data stays in .vigil, so the next run resumes.
`,
  simulate: `Usage: ./vigil simulate [--rate N] [--duration D] [--seed S] [--connections K] [--canary]
                        [--host H] [--port P]

Plays a simulated hospital (admissions, transfers, discharges, vitals, labs with abnormal and
critical values, imaging and medication orders, results answering orders) as HL7 v2 over MLLP
into the gateway (default: the configured MLLP address, 127.0.0.1:2575), each patient pinned to
one connection so their messages arrive in order. Deterministic for a seed. Progress every second
on stderr; a summary at the end. Defaults: --rate 20 --duration 60s --seed 1 --connections 4.
--canary puts the string CANARY in every name and MRN (for PHI-leak checks).
`,
  kafka: `Usage: ./vigil kafka start|stop|status

start   obtain the Apache Kafka broker with Maven (first run), format KRaft storage, start a
        single-node broker+controller on 127.0.0.1 and wait until it answers; prints the
        bootstrap address. Data and logs live in .vigil/kafka (broker.log).
stop    stop it cleanly (SIGTERM, then SIGKILL after 30 s)
status  say whether it runs and answers; exit code 0 when it does, 1 otherwise
Nothing is started when a cluster is configured (KAFKA_BROKERS or kafka.brokers).
`,
  topology: `Usage: ./vigil topology [--json]

Prints the topology: per topic its role, partitions, key field, retention, consumer groups and
the event types routed to it. --json prints {"topics": [{name, partitions, key, retentionMs,
consumers, ...}], "acls": [...]}, acls being the ALLOW rules \`provision\` grants.
`,
  provision: `Usage: ./vigil provision [--acls]

Creates missing topics with their partitions and retention.ms, corrects drifted retention, and
reports partition-count mismatches without changing them (exit code 2). Idempotent.
With --acls, or always when kafka.security is SASL_SSL, it also grants the topology's ACLs (each
consumer group's principal, User:<group> by default, reads its inputs and writes its outputs and
the DLQ; the gateway's, User:vigil-gateway, writes the inputs); ACLs already there are kept. Run
it as a principal allowed to alter ACLs (a super user).
`,
  produce: `Usage: ./vigil produce [file|-]

Reads events (one JSON object, a JSON array, or NDJSON) from the file or stdin, validates all of
them, and sends them to their topics when all are valid. Invalid input is reported by line or item
with the field and rule; then nothing is sent and the exit code is 1.
With encryption on (the default) payloads are sealed like the gateway's, which opens the store:
stop the main job first unless DATABASE_URL is set.
`,
  replay: `Usage: ./vigil replay --group G --to earliest|<ISO 8601 time>|<offset> [--topic T] [--partition N] [--dry-run]

Resets the consumer group's committed offsets on its topics (those the topology lists it as a
consumer of, or only --topic) so that its workers read those records again when they start:
  earliest        the oldest record each partition still holds
  <time>          the first record at or after that time (2026-11-26T08:30:00Z); the end when none
  <offset>        that offset on every partition of --topic (or only --partition), kept within
                  what the partition holds
Prints per partition the old and the new offset; --dry-run changes nothing. Refuses with exit
code 3 while the group has live members: stop its workers first.
Re-processing is safe: a decision with effects (outputs, store writes) is stored per (group,
event_id) and reused, so a replay sends no output a second time and asks no processor (or AI)
again for it. Events whose processors decided nothing are simply processed again. Decisions are
kept while their events can be read from Kafka (the group's longest input retention plus 8 days).
`,
  dlq: `Usage: ./vigil dlq list [--group G] [--all] [--json]
       ./vigil dlq show <ref> [--json] [--payload --reason TEXT]
       ./vigil dlq replay <ref> | --group G --all   [--reason TEXT]
       ./vigil dlq release --group G --key K        [--reason TEXT]
       ./vigil dlq purge <ref> | --group G          [--reason TEXT]

An entry's ref is its DLQ offset (<partition>:<offset> beyond partition 0). The DLQ topic is a
log and never changes: what was done with an entry (replayed, released, purged: when, by whom)
is kept in the store, and every action is written to the append-only audit log.
list     the open entries, oldest first: ref, failure time, group, source topic, partition and
         offset, event type, event id, error class, rule, attempts, and the entry it is a failed
         replay of. --all lists every entry with its state. Metadata only: never a key or a
         payload. --json prints {"entries": [...]}.
show     one entry's metadata and state. --payload also prints the decoded payload (patient
         data): it needs --reason, and the view is recorded in the audit log first.
replay   re-delivers an entry to its source topic with its original key, value bytes and headers
         (plus vigil_replay_of and vigil_replay_group), and marks it replayed. When its key is
         parked in its group (hold-key), the key is released and the entries parked behind it
         follow, in order. --group G --all does this for every open failed entry of the group,
         oldest first (an entry that was replayed and failed again counts once).
release  releases a parked key without re-delivering its failed entry (marked released); the
         entries parked behind it are re-delivered, in order. Nothing is printed about the key.
purge    marks an entry (or every open entry of a group) purged: nothing is re-delivered. A key
         it parked stays parked until released.
Every action opens the store (DATABASE_URL, else PGlite in $VIGIL_HOME/store, which only one
process at a time can open: stop the main job, use its dashboard, or set DATABASE_URL); list
falls back to every entry without states when the store is in use. After releasing a key,
replay and release wait 3 s, so that running workers notice before its records arrive.
`,
  token: `Usage: ./vigil token create --name NAME --role ingest|viewer|investigator|admin
       ./vigil token list [--json]
       ./vigil token revoke NAME

Bearer tokens for the app's HTTP server (Authorization: Bearer <token>). ingest may send events
(POST /events, /fhir); viewer sees the dashboard's metadata; investigator also views payloads
(audited), replays, purges and releases; admin may do everything, including reading the audit
log. Tokens are kept hashed in $VIGIL_HOME/keys/api-tokens.json; create prints the token once.
/health, /metrics and the dashboard page itself need no token.
`,
  rules: `Usage: ./vigil rules [--out FILE]

Prints the Prometheus alert rules generated from the topology and the lag budgets beside it
(src/topology/lag-budgets.ts): message lag, time lag per consumer group, stalled or stopped
groups, open dead-letter entries. --out writes them to FILE (relative to the project directory)
instead. ops/prometheus/vigil-rules.yml is this output; see docs/operations.md.
`,
};

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function withAdmin<T>(config: VigilConfig, kafka: KafkaConnection, what: string, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin({ clientId: `${config.kafka.clientId}-admin`, ...kafkaClientOptions(kafka) });
  try {
    return await fn(admin);
  } catch (err) {
    throw explainKafkaError(err, kafka, what);
  } finally {
    await admin.close();
  }
}

async function kafkaCommand(config: VigilConfig, action: string | undefined): Promise<number> {
  if (config.kafka.brokers && action !== 'status') {
    say(`a cluster is configured (${config.kafka.brokers.join(',')}): no local broker is managed`);
    return 0;
  }
  const opts = localBrokerOptions(config, (l) => process.stderr.write(`${l}\n`));
  switch (action) {
    case 'start': {
      const state = await startLocalBroker(opts);
      say(`${state.started ? 'Kafka broker started' : 'Kafka broker already running'}: ${state.bootstrap} (pid ${state.pid})`);
      return 0;
    }
    case 'stop':
      say((await stopLocalBroker(opts.dir)) ? 'Kafka broker stopped' : 'Kafka broker was not running');
      return 0;
    case 'status': {
      if (config.kafka.brokers) {
        const ok = await brokerAnswers({ bootstrap: config.kafka.brokers, security: config.kafka.security });
        say(`configured cluster ${config.kafka.brokers.join(',')}: ${ok ? 'answering' : 'not answering'}`);
        return ok ? 0 : 1;
      }
      const status = await localBrokerStatus(opts.dir);
      if (!status) say('Kafka broker: not running');
      else say(`Kafka broker: ${status.answering ? 'running' : 'running but not answering'} on ${status.bootstrap} (pid ${status.pid})`);
      return status?.answering ? 0 : 1;
    }
    default:
      process.stderr.write(HELP.kafka ?? '');
      return 64;
  }
}

async function provisionCommand(config: VigilConfig, acls: boolean): Promise<number> {
  const kafka = await requireCluster(config);
  const results = await withAdmin(config, kafka, 'provisioning topics', (admin) => provision(admin, config.topology, config.kafka.replicationFactor));
  say(table(['topic', 'action', 'detail'], results.map((r) => [r.topic, r.action, r.detail])));
  // ACLs only mean something once clients authenticate: automatic with SASL, on request otherwise.
  if (acls || config.kafka.security?.sasl) {
    const rules = aclPlan(config.topology, config.kafka.principals);
    const applied = await withAdmin(config, kafka, 'granting ACLs', (admin) => applyAcls(admin, rules));
    say(`ACLs: ${rules.length} in the topology, ${applied.created} created, ${applied.present} already present`);
  }
  return results.some((r) => r.action === 'partitions-differ') ? 2 : 0;
}

function explainSealing(err: unknown): never {
  if (!(err instanceof StoreInUseError)) throw err;
  throw new Error(`${err.message}. With encryption on, produce seals payloads with keys kept in the store; or POST the events to the running gateway's HTTP intake`);
}

async function produceCommand(config: VigilConfig, file: string | undefined): Promise<number> {
  const { events, errors } = parseEvents(await readInput(file), config.topology);
  if (errors.length > 0) {
    for (const e of errors) process.stderr.write(`${e}\n`);
    process.stderr.write(`${errors.length} problem(s) found; nothing was sent\n`);
    return 1;
  }
  const cluster = await ensureCluster(config, (l) => process.stderr.write(`${l}\n`));
  // Sealing needs the patients' data keys, which live in the store.
  const db = config.encryption.enabled ? await openStore(config).catch(explainSealing) : undefined;
  const phi = db && payloadCrypto(config, db);
  const producer = new EventProducer({
    bootstrap: cluster.bootstrap,
    security: cluster.security,
    clientId: `${config.kafka.clientId}-cli`,
    topology: config.topology,
    ackTimeoutMs: config.kafka.ackTimeoutMs,
    seal: phi && ((event) => phi.seal(event)),
  });
  try {
    const records = await sendInBatches(producer, events, (sent, total) => {
      if (total > 500) process.stderr.write(`sent ${sent}/${total} events\n`);
    });
    say(`sent ${events.length} events as ${records} records${phi ? ' (payloads sealed)' : ''}`);
    return 0;
  } finally {
    await producer.close();
    await db?.close();
  }
}

async function startCommand(config: VigilConfig): Promise<number> {
  const job = await startMainJob(config, say);
  say(`HTTP intake: POST ${job.intakeUrl}`);
  say(`FHIR R4: POST ${job.fhirUrl}/<Resource> or a Bundle to ${job.fhirUrl}`);
  say(`HL7 v2 (MLLP): ${job.mllpAddress}`);
  say(`dashboard: ${job.dashboardUrl}`);
  if (job.firstAdminToken) say(`  first run: sign in as admin with ${job.dashboardUrl}#token=${job.firstAdminToken} (shown once; more: ./vigil token create)`);
  else say('  sign in with an API token (./vigil token create --name NAME --role viewer|investigator|admin)');
  say('vigil is running; press Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      say(`\n${signal}: stopping`);
      job.stop().then(resolve, (err: unknown) => {
        process.stderr.write(`stop failed: ${(err as Error).message}\n`);
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

const OWN_ARGS: Record<string, (config: VigilConfig, args: string[], say: (line: string) => void) => Promise<number>> = {
  replay: replayCommand,
  dlq: dlqCommand,
  lag: lagCommand,
  groups: groupsCommand,
  simulate: simulateCommand,
  rules: rulesCommand,
  token: tokenCommand,
  keys: keysCommand,
  'forget-patient': forgetCommand,
};

export async function main(argv: string[]): Promise<number> {
  // Commands with options of their own parse their arguments themselves.
  const own = argv[0] ? OWN_ARGS[argv[0]] : undefined;
  if (own && argv[0]) {
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(HELP[argv[0]] ?? USAGE);
      return 0;
    }
    return own(loadConfig(), argv.slice(1), say);
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      acls: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (!command || command === 'help' || (values.help && !HELP[command])) {
    const topic = command === 'help' ? rest[0] : undefined;
    process.stdout.write(topic && HELP[topic] ? HELP[topic] : USAGE);
    return 0;
  }
  if (values.help) {
    process.stdout.write(HELP[command] ?? USAGE);
    return 0;
  }
  const config = loadConfig();
  switch (command) {
    case 'start':
      return startCommand(config);
    case 'kafka':
      return kafkaCommand(config, rest[0]);
    case 'topology':
      say(topologyCommand(config, values.json));
      return 0;
    case 'provision':
      return provisionCommand(config, values.acls);
    case 'produce':
      return produceCommand(config, rest[0]);
    default:
      process.stderr.write(`unknown command: ${command}\n\n${USAGE}`);
      return 64;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // Our errors carry a message meant for people (and never a payload value).
  process.stderr.write(`vigil: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
