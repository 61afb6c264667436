// Which Kafka cluster to talk to: the configured one, or else the local broker.
import { join } from 'node:path';
import type { VigilConfig } from '../config.ts';
import { type KafkaConnection, type KafkaSecurity, verifyKafkaAccess } from './connection.ts';
import { type LocalBrokerOptions, localBrokerStatus, startLocalBroker } from './local-broker.ts';

export function localBrokerOptions(config: VigilConfig, progress?: (l: string) => void): LocalBrokerOptions {
  return {
    root: config.root,
    dir: join(config.home, 'kafka'),
    // The jars are a cache of the checkout, shared by every state folder (VIGIL_HOME).
    libDir: join(config.root, '.vigil', 'kafka'),
    port: config.localKafka.port,
    controllerPort: config.localKafka.controllerPort,
    progress,
  };
}

export interface Cluster extends KafkaConnection {
  bootstrap: string[];
  security: KafkaSecurity | undefined;
  /** True when this call started the local broker (so the caller should stop it at the end). */
  startedLocal: boolean;
}

/** Bootstrap servers to use, starting the local broker when none are configured and it is down. */
export async function ensureCluster(config: VigilConfig, progress?: (l: string) => void): Promise<Cluster> {
  if (config.kafka.brokers) {
    const cluster = { bootstrap: config.kafka.brokers, security: config.kafka.security, startedLocal: false };
    await verifyKafkaAccess(cluster, config.kafka.clientId);
    return cluster;
  }
  const state = await startLocalBroker(localBrokerOptions(config, progress));
  return { bootstrap: [state.bootstrap], security: undefined, startedLocal: state.started };
}

/** Connection to a cluster that must already be up (commands that should not start one). */
export async function requireCluster(config: VigilConfig): Promise<KafkaConnection> {
  if (config.kafka.brokers) {
    const conn = { bootstrap: config.kafka.brokers, security: config.kafka.security };
    await verifyKafkaAccess(conn, config.kafka.clientId);
    return conn;
  }
  const status = await localBrokerStatus(localBrokerOptions(config).dir);
  if (!status?.answering) {
    throw new Error('no Kafka cluster: set KAFKA_BROKERS (or kafka.brokers in vigil.config.json), or run ./vigil kafka start');
  }
  return { bootstrap: [status.bootstrap] };
}
