// A cluster without a kernel, for insight and UI tests and benchmarks: objects, a real policy engine, and flows built by the real FlowBuilder.
//
// SyntheticDatapath decides each connection with the engine the way the BPF program does (egress of the
// source, then ingress of the destination, first packet only) and hands the same policy-verdict and drop
// events the ring buffer would carry to a FlowService. Flows therefore carry real attribution (rule
// cookies, default-deny policies). It is a fake datapath: end-to-end tests use the real one.
import { dnsEndpoint } from '../../src/agent/policy-sync.js';
import { clusterConfig } from '../../src/config/cluster-config.js';
import type { DatapathEvent } from '../../src/datapath/maps/events.js';
import type { EndpointInfo, FlowContext } from '../../src/flow/flow-context.js';
import type { FlowService } from '../../src/flow/flow-service.js';
import { parseIP } from '../../src/net/cidr.js';
import {
  type Decision,
  type Direction,
  type Endpoint,
  type PolicyEngine,
  type PolicyRef,
  PROTOCOL_NUMBER,
  type Remote,
  type RuleOrigin,
} from '../../src/policy/index.js';
import { loadManifestText, type Pod, type Resource } from '../../src/resources/index.js';

export interface PodSpec {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  ip: string;
  /** The owning Deployment's name. */
  deployment?: string;
  ports?: { name?: string; containerPort: number; protocol?: 'TCP' | 'UDP' }[];
}

export function podObject(p: PodSpec): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace ?? 'default',
      labels: p.labels,
      uid: `uid-${p.namespace ?? 'default'}-${p.name}`,
      ...(p.deployment
        ? {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'Deployment', name: p.deployment, controller: true },
            ],
          }
        : {}),
    },
    spec: { containers: [{ name: 'main', ...(p.ports ? { ports: p.ports } : {}) }] },
    status: { podIP: p.ip, podIPs: [{ ip: p.ip }], phase: 'Running' },
  };
}

export function namespaceObject(name: string): Resource {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
  };
}

/** Validated objects from manifest text (throws on any error). */
export function manifests(text: string): Resource[] {
  const r = loadManifestText(text, 'fixture.yaml');
  if (r.errors.length) throw new Error(r.errors.map(String).join('\n'));
  return r.resources.map((x) => x.object);
}

/** The Star Wars demo as the embedded cluster runs it: namespaces, the deathstar Deployment and its two pods, two ships, kube-dns. */
export function starWarsObjects(): Resource[] {
  const empire = { org: 'empire', class: 'deathstar', 'app.kubernetes.io/name': 'deathstar' };
  return [
    namespaceObject('default'),
    namespaceObject('kube-system'),
    dnsEndpoint(clusterConfig({})),
    ...manifests(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: deathstar, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {org: empire, class: deathstar}}
  template:
    metadata: {labels: {org: empire, class: deathstar, app.kubernetes.io/name: deathstar}}
    spec: {containers: [{name: deathstar, image: x, ports: [{containerPort: 80, name: http}]}]}
`),
    podObject({
      name: 'deathstar-6fb5694d-a1',
      labels: empire,
      ip: '10.244.0.11',
      deployment: 'deathstar',
      ports: [{ name: 'http', containerPort: 80 }],
    }),
    podObject({
      name: 'deathstar-6fb5694d-b2',
      labels: empire,
      ip: '10.244.0.12',
      deployment: 'deathstar',
      ports: [{ name: 'http', containerPort: 80 }],
    }),
    podObject({
      name: 'tiefighter',
      labels: { org: 'empire', class: 'tiefighter', 'app.kubernetes.io/name': 'tiefighter' },
      ip: '10.244.0.21',
    }),
    podObject({
      name: 'xwing',
      labels: { org: 'alliance', class: 'xwing', 'app.kubernetes.io/name': 'xwing' },
      ip: '10.244.0.22',
    }),
  ];
}

export const L3L4_POLICY = `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: rule1
  namespace: default
spec:
  description: "L3-L4 policy to restrict deathstar access to empire ships only"
  endpointSelector:
    matchLabels:
      org: empire
      class: deathstar
  ingress:
    - fromEndpoints:
        - matchLabels:
            org: empire
      toPorts:
        - ports:
            - port: "80"
              protocol: TCP
`;

/** FlowContext over a policy engine: endpoint ids handed out on first use, rule cookies per origin set. */
export class EngineFlowContext implements FlowContext {
  private readonly ids = new Map<string, number>();
  private readonly keys = new Map<number, string>();
  private readonly cookies = new Map<string, number>();
  private readonly origins = new Map<number, readonly RuleOrigin[]>();

  constructor(
    private readonly engine: PolicyEngine,
    private readonly cluster = 'default',
  ) {}

  idOf(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(key, id);
      this.keys.set(id, key);
    }
    return id;
  }

  cookieOf(origins: readonly RuleOrigin[]): number {
    if (origins.length === 0) return 0;
    const k = JSON.stringify(origins);
    let c = this.cookies.get(k);
    if (c === undefined) {
      c = this.cookies.size + 1;
      this.cookies.set(k, c);
      this.origins.set(c, origins);
    }
    return c;
  }

  private info(ep: Endpoint, id?: number): EndpointInfo {
    const [kind, name] = ep.workload?.split('/') ?? [];
    return {
      ...(id ? { id } : {}),
      identity: ep.identity.id,
      ...(ep.namespace ? { namespace: ep.namespace } : {}),
      podName: ep.name,
      labels: ep.labels.toStrings(),
      ...(kind && name ? { workloads: [{ kind, name }] } : {}),
      clusterName: this.cluster,
    };
  }

  endpointById(id: number): EndpointInfo | undefined {
    const key = this.keys.get(id);
    const ep = key ? this.engine.endpoint(key) : undefined;
    return ep ? this.info(ep, id) : undefined;
  }

  endpointByIP(ip: string): EndpointInfo | undefined {
    const p = parseIP(ip);
    if (!p.ok) return undefined;
    const hit = this.engine.ipcache.lookup(p.value.family, p.value.addr);
    if (!hit?.source.startsWith('pod:')) return undefined;
    const ep = this.engine.endpoint(hit.source.slice(4));
    return ep ? this.info(ep, this.ids.get(ep.key)) : undefined;
  }

  identityLabels(identity: number): readonly string[] | undefined {
    return this.engine.identity(identity)?.labels.toStrings();
  }

  ruleOrigins(cookie: number): readonly RuleOrigin[] {
    return this.origins.get(cookie) ?? [];
  }

  defaultDenyPolicies(endpointId: number, direction: Direction): readonly PolicyRef[] {
    const key = this.keys.get(endpointId);
    if (!key || !this.engine.endpoint(key)) return [];
    return this.engine.policyOf(key)[direction].defaultDenyBy;
  }
}

interface Side {
  endpoint?: Endpoint;
  ip: string;
  remote: Remote;
}

/** Connections decided by the engine, reported as the BPF program reports them. */
export class SyntheticDatapath {
  private sport = 30000;
  /** Events reported so far (each becomes one flow). */
  reports = 0;

  constructor(
    private readonly engine: PolicyEngine,
    readonly context: EngineFlowContext,
    private readonly flows: Pick<FlowService, 'onEvent'>,
    private readonly clock: () => bigint,
  ) {}

  private side(spec: string): Side {
    const ep = this.engine.endpoint(spec.includes('/') ? spec : `default/${spec}`);
    if (ep?.address) return { endpoint: ep, ip: ep.address.text, remote: this.engine.remoteForEndpoint(ep) };
    return { ip: spec, remote: this.engine.remoteForIP(spec) };
  }

  /** One connection attempt (`n` of them): `from`/`to` are `ns/pod`, a pod of `default`, or an address. */
  connect(
    from: string,
    to: string,
    port: number,
    protocol: 'TCP' | 'UDP' = 'TCP',
    n = 1,
  ): 'allowed' | 'denied' {
    const s = this.side(from);
    const d = this.side(to);
    const proto = PROTOCOL_NUMBER[protocol];
    let result: 'allowed' | 'denied' = 'allowed';
    for (let i = 0; i < n; i++) {
      const sport = this.sport++;
      if (this.sport > 60000) this.sport = 30000;
      result = 'allowed';
      if (s.endpoint) {
        const dec = this.engine.policyOf(s.endpoint.key).egress.decide(d.remote, proto, port);
        this.report(dec, s, d, 'egress', s.endpoint, sport, port, proto);
        if (dec.verdict === 'denied') {
          result = 'denied';
          continue;
        }
      }
      if (d.endpoint && d.endpoint !== s.endpoint) {
        const dec = this.engine.policyOf(d.endpoint.key).ingress.decide(s.remote, proto, port);
        this.report(dec, s, d, 'ingress', d.endpoint, sport, port, proto);
        if (dec.verdict === 'denied') result = 'denied';
      }
    }
    return result;
  }

  private report(
    dec: Decision,
    s: Side,
    d: Side,
    dir: Direction,
    local: Endpoint,
    sport: number,
    dport: number,
    proto: number,
  ): void {
    const denied = dec.verdict === 'denied';
    const reason = dec.reason === 'policy-deny' ? 181 : 133;
    const base = {
      endpointId: this.context.idOf(local.key),
      ifindex: 4,
      timestampNs: 0n,
      srcIdentity: s.remote.identity,
      dstIdentity: d.remote.identity,
      saddr: s.ip,
      daddr: d.ip,
      sport,
      dport,
      protocol: proto,
      direction: dir,
      ctStatus: 'new' as const,
      packetLength: 60,
      l4Info: proto === 6 ? 2 : 0,
    };
    const cookie = this.context.cookieOf(dec.entries.flatMap((e) => e.origins));
    const verdict: DatapathEvent = {
      ...base,
      type: 'policy-verdict',
      verdict: dec.verdict,
      dropReason: denied ? reason : 0,
      proxyPort: dec.verdict === 'redirected' ? 15001 : 0,
      matchType: denied && dec.reason === 'default-deny' ? 'none' : 'l3-l4',
      cookie,
    };
    this.flows.onEvent(verdict, this.clock());
    this.reports++;
    if (denied) {
      this.reports++;
      const drop: DatapathEvent = {
        ...base,
        type: 'drop',
        reason,
        reasonName: reason === 181 ? 'POLICY_DENY' : 'POLICY',
        cookie,
      };
      this.flows.onEvent(drop, this.clock());
    }
  }
}
