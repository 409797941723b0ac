// The desired cluster state a change sequence builds: applies an Op to the model and says what the engine must be told.
import type { Namespace, Pod, Resource } from '../../src/resources/types/index.js';
import {
  type AnyPolicy,
  type Cluster,
  makeNamespace,
  makePod,
  type Op,
  type PodInput,
  type PortDecl,
  policyKey,
} from './arbitraries.js';

/** What to send the engine for one op (a query op sends nothing). */
export type EngineCall = { upsert: Resource } | { remove: Resource };

export class ClusterModel {
  private readonly namespaces = new Map<string, Namespace>();
  private readonly pods = new Map<string, Pod>();
  private readonly podInputs = new Map<string, PodInput>();
  private readonly policies = new Map<string, AnyPolicy>();

  constructor(cluster: Cluster, policies: readonly AnyPolicy[]) {
    for (const ns of cluster.namespaces) {
      this.namespaces.set(ns.metadata.name, ns);
    }
    for (const pod of cluster.pods) {
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      this.pods.set(key, pod);
      this.podInputs.set(key, inputOf(pod));
    }
    for (const p of policies) this.policies.set(policyKey(p), p);
  }

  /** The state as a list a fresh engine can be given: namespaces, pods, policies. */
  resources(): Resource[] {
    return [...this.namespaces.values(), ...this.pods.values(), ...this.policies.values()];
  }

  get podKeys(): string[] {
    return [...this.pods.keys()];
  }

  /** Applies `op`; returns the engine calls that bring an engine from the old state to the new one. */
  apply(op: Op): EngineCall[] {
    switch (op.kind) {
      case 'pod-labels':
        return this.updatePod(op.pod, (i) => ({ ...i, labels: op.labels }));
      case 'pod-ports':
        return this.updatePod(op.pod, (i) => ({ ...i, ports: op.ports }));
      case 'pod-address':
        if (op.address !== undefined && this.addressInUse(op.address, op.pod)) return [];
        return this.updatePod(op.pod, (i) => ({ ...i, address: op.address }));
      case 'pod-delete': {
        const pod = this.pods.get(op.pod);
        if (!pod) return [];
        this.pods.delete(op.pod);
        this.podInputs.delete(op.pod);
        return [{ remove: pod }];
      }
      case 'pod-create': {
        // Pod addresses stay unique: a clashing address leaves the new pod without one.
        const address =
          op.input.address !== undefined && this.addressInUse(op.input.address, op.pod)
            ? undefined
            : op.input.address;
        return this.setPod(op.pod, { ...op.input, address });
      }
      case 'ns-labels':
      case 'ns-create': {
        const ns = makeNamespace(op.ns, op.labels);
        this.namespaces.set(op.ns, ns);
        return [{ upsert: ns }];
      }
      case 'ns-delete': {
        const ns = this.namespaces.get(op.ns);
        if (!ns) return [];
        this.namespaces.delete(op.ns);
        return [{ remove: ns }];
      }
      case 'policy-upsert':
        this.policies.set(policyKey(op.policy), op.policy);
        return [{ upsert: op.policy }];
      case 'policy-delete': {
        const keys = [...this.policies.keys()];
        if (keys.length === 0) return [];
        const key = keys[op.index % keys.length]!;
        const p = this.policies.get(key)!;
        this.policies.delete(key);
        return [{ remove: p }];
      }
      case 'query':
        return [];
    }
  }

  private updatePod(key: string, f: (i: PodInput) => PodInput): EngineCall[] {
    const input = this.podInputs.get(key);
    return input ? this.setPod(key, f(input)) : [];
  }

  private setPod(key: string, input: PodInput): EngineCall[] {
    const pod = makePod(key, input);
    this.pods.set(key, pod);
    this.podInputs.set(key, input);
    return [{ upsert: pod }];
  }

  private addressInUse(address: number, except: string): boolean {
    for (const [k, i] of this.podInputs) if (k !== except && i.address === address) return true;
    return false;
  }
}

function inputOf(pod: Pod): PodInput {
  const { pod: _p, ...labels } = pod.metadata.labels ?? {};
  const ports: PortDecl[] = pod.spec.containers.flatMap((c) =>
    (c.ports ?? []).map((p) => ({
      port: p.containerPort,
      protocol: (p.protocol ?? 'TCP') as PortDecl['protocol'],
    })),
  );
  const ip = pod.status?.podIP;
  const address = ip === undefined ? undefined : addressNumber(ip);
  return { labels, ports, address };
}

function addressNumber(ip: string): number {
  const [, , third, fourth] = ip.split('.').map(Number) as [number, number, number, number];
  return third === 0 ? fourth : fourth + 20;
}
