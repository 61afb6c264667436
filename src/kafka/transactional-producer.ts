// A workaround for @platformatic/kafka 2.x under ACLs. The client sends AddPartitionsToTxn at the
// highest version the broker offers, but versions 4 and up are the broker-to-broker form: Kafka
// answers them with CLUSTER_AUTHORIZATION_FAILED unless the principal holds CLUSTER_ACTION (a
// broker's own privilege). Java clients send version 3 at most; so does a producer passed here.
// Without it, a transactional worker works only as a super user.
import type { Producer } from '@platformatic/kafka';

const LIST_APIS = 'plt.kafka.base.listApis';
const CLIENT_MAX_VERSION: Record<string, number> = { AddPartitionsToTxn: 3 };

interface ApiVersion {
  name: string;
  maxVersion: number;
}
type ListApis = (callback: (error: Error | null, apis?: ApiVersion[]) => void) => void;

function findSymbol(target: object, description: string): symbol | undefined {
  for (let proto: object | null = target; proto; proto = Object.getPrototypeOf(proto) as object | null) {
    const found = Object.getOwnPropertySymbols(proto).find((s) => s.description === description);
    if (found) return found;
  }
  return undefined;
}

/** Caps the producer's request versions to the client forms; throws if the client changed shape. */
export function useClientRequestVersions<P extends Producer<Buffer, Buffer, string, string>>(producer: P): P {
  const key = findSymbol(producer, LIST_APIS);
  const holder = producer as unknown as Record<symbol, ListApis>;
  const original = key ? holder[key] : undefined;
  if (!key || typeof original !== 'function') {
    throw new Error('@platformatic/kafka changed: cannot cap AddPartitionsToTxn to its client version (see src/kafka/transactional-producer.ts)');
  }
  holder[key] = (callback) =>
    original.call(producer, (error, apis) => {
      callback(
        error,
        apis?.map((api) => {
          const cap = CLIENT_MAX_VERSION[api.name];
          return cap === undefined ? api : { ...api, maxVersion: Math.min(api.maxVersion, cap) };
        }),
      );
    });
  return producer;
}
