// An isolated, provisioned copy of the topology for one test file.
import { provision } from '../../src/topology/provision.ts';
import type { Topology } from '../../src/topology/topology.ts';
import { isolatedTopology, uniqueSuffix, withAdmin } from './kafka.ts';

export async function provisionedTopology(): Promise<Topology> {
  const topology = isolatedTopology(uniqueSuffix());
  await withAdmin((admin) => provision(admin, topology, -1));
  return topology;
}
