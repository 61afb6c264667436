// Least-privilege ACLs derived from the topology: each AI consumer group's principal reads only
// its input topics and its group, writes only its output topics and the dead-letter topic, and
// uses only its own transactional ids; the gateway's principal writes only the input topics.
// Idempotent producers need no cluster-wide IDEMPOTENT_WRITE: since Kafka 3.0 (KIP-679) WRITE on
// a topic (or on a transactional id) is enough, so none is granted.
import { type Acl, AclOperations, AclPermissionTypes, type Admin, ResourcePatternTypes, ResourceTypes } from '@platformatic/kafka';
import type { Topology } from './topology.ts';

export interface AclPrincipals {
  /** Principal of a consumer group's workers; `{group}` is replaced by the group name. */
  group: string;
  /** Principal of the gateway (HTTP, FHIR and MLLP intake) producing the input topics. */
  gateway: string;
}

export const defaultPrincipals: AclPrincipals = { group: 'User:{group}', gateway: 'User:vigil-gateway' };

export function principalsFromConfig(file: Partial<AclPrincipals> | undefined): AclPrincipals {
  const p = { ...defaultPrincipals, ...file };
  for (const [k, v] of Object.entries(p)) {
    if (typeof v !== 'string' || !/^[A-Za-z]+:.+/.test(v)) throw new Error(`kafka.principals.${k}: must look like User:<name>`);
  }
  return p;
}

type ResourceType = 'TOPIC' | 'GROUP' | 'TRANSACTIONAL_ID';
type Operation = 'READ' | 'WRITE' | 'DESCRIBE';

/** One ALLOW rule, in Kafka's own words (as kafka-acls prints them). */
export interface AclRule {
  principal: string;
  resourceType: ResourceType;
  patternType: 'LITERAL' | 'PREFIXED';
  resourceName: string;
  operation: Operation;
}

export function principalOf(principals: AclPrincipals, group: string): string {
  return principals.group.replaceAll('{group}', group);
}

/** The transactional id prefix of a group's workers (engine.ts: `vigil-<group>-<instance>`). */
export function transactionalIdPrefix(group: string): string {
  return `vigil-${group}-`;
}

/** Every consumer group the topology names, as reader or writer, in first-seen order. */
export function groupsOf(topology: Topology): string[] {
  return [...new Set(topology.topics.flatMap((t) => [...t.consumers, ...t.producers]))];
}

export function aclPlan(topology: Topology, principals: AclPrincipals): AclRule[] {
  const rules: AclRule[] = [];
  const allow = (principal: string, resourceType: ResourceType, resourceName: string, ops: Operation[], patternType: AclRule['patternType'] = 'LITERAL') => {
    for (const operation of ops) rules.push({ principal, resourceType, patternType, resourceName, operation });
  };
  const deadLetter = topology.topics.filter((t) => t.role === 'dead-letter').map((t) => t.name);
  for (const group of groupsOf(topology)) {
    const principal = principalOf(principals, group);
    for (const t of topology.topics.filter((x) => x.consumers.includes(group))) allow(principal, 'TOPIC', t.name, ['READ', 'DESCRIBE']);
    allow(principal, 'GROUP', group, ['READ']);
    for (const t of topology.topics.filter((x) => x.producers.includes(group))) allow(principal, 'TOPIC', t.name, ['WRITE', 'DESCRIBE']);
    for (const name of deadLetter) allow(principal, 'TOPIC', name, ['WRITE', 'DESCRIBE']);
    allow(principal, 'TRANSACTIONAL_ID', transactionalIdPrefix(group), ['WRITE', 'DESCRIBE'], 'PREFIXED');
  }
  for (const t of topology.topics.filter((x) => x.role === 'input')) allow(principals.gateway, 'TOPIC', t.name, ['WRITE', 'DESCRIBE']);
  return rules;
}

function toKafka(rule: AclRule): Acl {
  return {
    resourceType: ResourceTypes[rule.resourceType],
    resourceName: rule.resourceName,
    resourcePatternType: ResourcePatternTypes[rule.patternType],
    principal: rule.principal,
    host: '*',
    operation: AclOperations[rule.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

function keyOf(a: Acl): string {
  return [a.principal, a.resourceType, a.resourcePatternType, a.resourceName, a.operation, a.permissionType, a.host].join('|');
}

/** ALLOW ACLs the cluster holds now for these principals. */
async function existingAcls(admin: Admin, principals: string[]): Promise<Set<string>> {
  const have = new Set<string>();
  for (const principal of principals) {
    const resources = await admin.describeAcls({
      filter: {
        resourceType: ResourceTypes.ANY,
        resourceName: null,
        resourcePatternType: ResourcePatternTypes.ANY,
        principal,
        host: null,
        operation: AclOperations.ANY,
        permissionType: AclPermissionTypes.ANY,
      },
    });
    for (const r of resources) for (const a of r.acls) have.add(keyOf({ ...r, ...a }));
  }
  return have;
}

export interface AclApplyResult {
  created: number;
  present: number;
}

/** Creates the rules the cluster lacks; existing ones (and ACLs outside the plan) are left alone. */
export async function applyAcls(admin: Admin, rules: AclRule[]): Promise<AclApplyResult> {
  const have = await existingAcls(admin, [...new Set(rules.map((r) => r.principal))]);
  const missing = rules.map(toKafka).filter((a) => !have.has(keyOf(a)));
  if (missing.length > 0) await admin.createAcls({ creations: missing });
  return { created: missing.length, present: rules.length - missing.length };
}
