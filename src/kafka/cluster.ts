// Which Kafka cluster to talk to: the configured one, or else the local broker.
import { join } from 'node:path';
import type { VigilConfig } from '../config.ts';
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

export interface Cluster {
  bootstrap: string[];
  /** True when this call started the local broker (so the caller should stop it at the end). */
  startedLocal: boolean;
}

/** Bootstrap servers to use, starting the local broker when none are configured and it is down. */
export async function ensureCluster(config: VigilConfig, progress?: (l: string) => void): Promise<Cluster> {
  if (config.kafka.brokers) return { bootstrap: config.kafka.brokers, startedLocal: false };
  const state = await startLocalBroker(localBrokerOptions(config, progress));
  return { bootstrap: [state.bootstrap], startedLocal: state.started };
}

/** Bootstrap servers of a cluster that must already be up (commands that should not start one). */
export async function requireCluster(config: VigilConfig): Promise<string[]> {
  if (config.kafka.brokers) return config.kafka.brokers;
  const status = await localBrokerStatus(localBrokerOptions(config).dir);
  if (!status?.answering) {
    throw new Error('no Kafka cluster: set KAFKA_BROKERS (or kafka.brokers in vigil.config.json), or run ./vigil kafka start');
  }
  return [status.bootstrap];
}
