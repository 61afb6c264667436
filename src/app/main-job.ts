// The main job: broker (local unless one is configured), topics, and the intake, until Ctrl-C.
// Later parts (workers, MLLP gateway, simulator, dashboard) join here.
import { Admin } from '@platformatic/kafka';
import type { VigilConfig } from '../config.ts';
import { ensureCluster, localBrokerOptions } from '../kafka/cluster.ts';
import { EventProducer } from '../kafka/event-producer.ts';
import { stopLocalBroker } from '../kafka/local-broker.ts';
import { buildIntake } from '../gateway/http-intake.ts';
import { logger } from '../phi/log.ts';
import { provision } from '../topology/provision.ts';

const log = logger('main');

export interface RunningJob {
  intakeUrl: string;
  bootstrap: string[];
  stop(): Promise<void>;
}

export async function startMainJob(config: VigilConfig, say: (line: string) => void): Promise<RunningJob> {
  const cluster = await ensureCluster(config, say);
  say(`Kafka: ${cluster.bootstrap.join(',')}${config.kafka.brokers ? ' (configured)' : ' (local broker)'}`);

  const admin = new Admin({ clientId: `${config.kafka.clientId}-admin`, bootstrapBrokers: cluster.bootstrap });
  try {
    const results = await provision(admin, config.topology, config.kafka.replicationFactor);
    const changed = results.filter((r) => r.action !== 'unchanged');
    say(`topics: ${results.length} in the topology, ${changed.length} changed`);
    for (const r of changed) say(`  ${r.topic}: ${r.action} (${r.detail})`);
  } finally {
    await admin.close();
  }

  const producer = new EventProducer({
    bootstrap: cluster.bootstrap,
    clientId: `${config.kafka.clientId}-intake`,
    topology: config.topology,
    ackTimeoutMs: config.kafka.ackTimeoutMs,
  });
  const intake = buildIntake({ producer, topology: config.topology });
  const address = await intake.listen({ host: config.http.host, port: config.http.port });
  const intakeUrl = `${address}/events`;
  log.info({ bootstrap: cluster.bootstrap, intake: intakeUrl }, 'main job started');

  return {
    intakeUrl,
    bootstrap: cluster.bootstrap,
    async stop() {
      await intake.close();
      await producer.close();
      // A broker this job started is stopped with it; one that was already running is left alone.
      if (cluster.startedLocal) await stopLocalBroker(localBrokerOptions(config).dir);
      log.info({}, 'main job stopped');
    },
  };
}
