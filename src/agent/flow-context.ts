// The agent's FlowContext: endpoints, identities, rule cookies and default-deny policies for flow enrichment.
import type { EndpointManager } from '../endpoints/index.js';
import type { Service as FlowService } from '../flow/flow.js';
import type { EndpointInfo, FlowContext } from '../flow/flow-context.js';
import { parseIP } from '../net/cidr.js';
import type { Endpoint, PolicyEngine } from '../policy/index.js';
import type { Direction, PolicyRef, RuleOrigin } from '../policy/rule.js';

/** Where flows learn which service an address:port belongs to (the load balancer's index, once running). */
export type ServiceLookup = () => { lookup(ip: string, port: number): FlowService | undefined } | undefined;

export class AgentFlowContext implements FlowContext {
  /** Built once per (endpoint, identity): the builder caches what it derives by object identity. */
  private readonly infos = new Map<string, EndpointInfo>();

  constructor(
    private readonly engine: PolicyEngine,
    private readonly endpoints: EndpointManager | undefined,
    private readonly cluster: string,
    /** The load balancer's address → service index (frontends, then backends), when it runs. */
    private readonly services?: () =>
      | { lookup(ip: string, port: number): FlowService | undefined }
      | undefined,
  ) {}

  serviceByAddr(ip: string, port: number): FlowService | undefined {
    return this.services?.()?.lookup(ip, port);
  }

  private info(ep: Endpoint, id?: number): EndpointInfo {
    const k = `${ep.key}|${ep.identity.id}|${id ?? 0}`;
    let i = this.infos.get(k);
    if (!i) {
      const [kind, name] = ep.workload?.split('/') ?? [];
      i = {
        ...(id ? { id } : {}),
        identity: ep.identity.id,
        ...(ep.namespace ? { namespace: ep.namespace } : {}),
        podName: ep.name,
        labels: ep.labels.toStrings(),
        ...(kind && name ? { workloads: [{ kind, name: name.replace(/-[a-z0-9]{8,10}$/, '') }] } : {}),
        clusterName: this.cluster,
      };
      if (this.infos.size > 50_000) this.infos.clear();
      this.infos.set(k, i);
    }
    return i;
  }

  endpointById(id: number): EndpointInfo | undefined {
    const local = this.endpoints?.list().find((l) => l.id === id);
    const ep = local ? this.engine.endpoint(local.key) : undefined;
    return ep ? this.info(ep, id) : undefined;
  }

  endpointByIP(ip: string): EndpointInfo | undefined {
    const p = parseIP(ip);
    if (!p.ok) return undefined;
    const hit = this.engine.ipcache.lookup(p.value.family, p.value.addr);
    if (!hit?.source.startsWith('pod:')) return undefined;
    const ep = this.engine.endpoint(hit.source.slice(4));
    if (!ep) return undefined;
    const local = this.endpoints?.list().find((l) => l.key === ep.key);
    return this.info(ep, local?.id);
  }

  identityLabels(identity: number): readonly string[] | undefined {
    return this.engine.identity(identity)?.labels.toStrings();
  }

  ruleOrigins(cookie: number): readonly RuleOrigin[] {
    return cookie ? (this.endpoints?.reconciler.cookies.origins(cookie) ?? []) : [];
  }

  defaultDenyPolicies(endpointId: number, direction: Direction): readonly PolicyRef[] {
    const local = this.endpoints?.list().find((l) => l.id === endpointId);
    if (!local || !this.engine.endpoint(local.key)) return [];
    return this.engine.policyOf(local.key)[direction].defaultDenyBy;
  }
}
