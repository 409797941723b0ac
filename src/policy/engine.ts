// The policy engine: cluster objects in, per-endpoint resolved policy out, recomputing only what a change affects.
import {
  IDENTITY_HOST,
  IDENTITY_REMOTE_NODE,
  IDENTITY_WORLD,
  type Identity,
  IdentityAllocator,
  type IdentityStore,
} from '../identity/index.js';
import { IPCache } from '../ipcache/index.js';
import { LabelFilter, LabelSet, NAMESPACE_NAME_LABEL, podSecurityLabels, Selector } from '../labels/index.js';
import { type Prefix, parseIP, prefixContainsAddr } from '../net/cidr.js';
import type {
  CiliumNetworkPolicy,
  Deployment,
  EndpointSlice,
  Namespace,
  NetworkPolicy,
  Node,
  Pod,
  PodSpec,
  Resource,
  Service,
} from '../resources/index.js';
import { resourceKey } from '../resources/index.js';
import type { Remote } from './direction-policy.js';
import type { Endpoint, EndpointAddress, NamedPort } from './endpoint.js';
import { fqdnMatcher } from './fqdn-matcher.js';
import type { DnsNameSelector } from './l7-match-dns.js';
import { PolicyEngineError } from './policy-engine-errors.js';
import {
  type EndpointPolicy,
  type Enforcement,
  type ResolveContext,
  resolveEndpoint,
  type SubjectGroup,
  subjectGroups,
} from './resolve-endpoint.js';
import type { Peer, PolicyRule, PolicyRuleSet } from './rule.js';
import { cidrMatcher, type IdentityMatcher, labelMatcher, SelectorCache } from './selector-cache.js';
import { translateCiliumPolicy } from './translate-cilium-policy.js';
import { mustPrefix, namespacePin, translateNetworkPolicy } from './translate-network-policy.js';

export interface PolicyEngineOptions {
  /** Cluster name (`io.cilium.k8s.policy.cluster`). */
  cluster?: string;
  enforcement?: Enforcement;
  identityStore?: IdentityStore;
  labelFilter?: LabelFilter;
  /** A Deployment's pod template stands for its pods (manifest analysis); off when real pods exist. */
  deploymentsAsPods?: boolean;
  /** The local host may always reach pods unless a deny says otherwise (default true, as Cilium). */
  allowLocalhost?: boolean;
  /** The node whose IPs are `host`; other nodes are `remote-node`. Defaults to the first node seen. */
  localNode?: string;
}

export interface ChangeSummary {
  /** Endpoints whose resolved policy may have changed. */
  endpoints: string[];
}

interface StoredPolicy {
  resource: NetworkPolicy | CiliumNetworkPolicy;
  rules: PolicyRuleSet;
  matchers: string[];
  cidrIdentities: number[];
}

export class PolicyEngine implements ResolveContext {
  readonly identities: IdentityAllocator;
  readonly ipcache = new IPCache();
  readonly selectors: SelectorCache;
  readonly enforcement: Enforcement;
  readonly cluster: string;
  readonly allowLocalhost: boolean;
  private readonly filter: LabelFilter;
  private readonly deploymentsAsPods: boolean;
  private localNode: string | undefined;

  private readonly namespaces = new Map<string, Namespace>();
  private readonly pods = new Map<string, Pod>();
  private readonly deployments = new Map<string, Deployment>();
  private readonly services = new Map<string, Service>();
  private readonly slices = new Map<string, EndpointSlice>();
  private readonly nodes = new Map<string, Node>();
  private readonly policies = new Map<string, StoredPolicy>();

  private readonly endpointsByKey = new Map<string, Endpoint>();
  private readonly endpointsByIdentity = new Map<number, Set<string>>();
  private readonly portsByIdentity = new Map<number, NamedPort[]>();
  /** Port name → endpoints declaring it. */
  private readonly portHolders = new Map<string, Set<string>>();
  /** Port name → identities declaring it (derived from portHolders; cleared when endpoints change). */
  private readonly portIdentities = new Map<string, Set<number>>();
  /** Port name → endpoints declaring it, sorted by address (same lifetime as portIdentities). */
  private readonly portHoldersIn = new Map<string, { v4: { n: number; ep: Endpoint }[]; v6: Endpoint[] }>();
  /** matcher key → policies using it as a peer. */
  private readonly matcherUsers = new Map<string, Set<string>>();
  private readonly resolved = new Map<string, EndpointPolicy>();
  private pendingChanges = new Set<string>();
  revision = 0;
  /** Rebuilt after any policy change (selection sets inside stay live as identities come and go). */
  private subjectIndexCache: { group: SubjectGroup; selected?: ReadonlySet<number> }[] | undefined;

  constructor(opts: PolicyEngineOptions = {}) {
    this.cluster = opts.cluster ?? 'default';
    this.enforcement = opts.enforcement ?? 'default';
    this.allowLocalhost = opts.allowLocalhost ?? true;
    this.filter = opts.labelFilter ?? new LabelFilter();
    this.deploymentsAsPods = opts.deploymentsAsPods ?? true;
    this.localNode = opts.localNode;
    this.identities = new IdentityAllocator(opts.identityStore);
    this.selectors = new SelectorCache(this.identities);
    this.identities.subscribe({
      added: (id) => this.onSelectionChange(this.selectors.identityAdded(id)),
      removed: (id) => this.onSelectionChange(this.selectors.identityRemoved(id)),
    });
  }

  // ---- changes -------------------------------------------------------------------------------

  upsert(r: Resource): ChangeSummary {
    this.revision++;
    switch (r.kind) {
      case 'Namespace':
        this.namespaces.set(r.metadata.name, r);
        for (const [key, pod] of this.pods)
          if (pod.metadata.namespace === r.metadata.name) this.syncPodEndpoint(key);
        for (const [key, d] of this.deployments)
          if (d.metadata.namespace === r.metadata.name) this.syncDeploymentEndpoint(key);
        break;
      case 'Pod':
        this.pods.set(nsKey(r), r);
        this.syncPodEndpoint(nsKey(r));
        break;
      case 'Deployment':
        this.deployments.set(nsKey(r), r);
        this.syncDeploymentEndpoint(nsKey(r));
        break;
      case 'Node':
        this.nodes.set(r.metadata.name, r);
        this.syncNode(r.metadata.name);
        break;
      case 'Service':
        this.services.set(nsKey(r), r);
        this.touchServicePolicies();
        break;
      case 'EndpointSlice':
        this.slices.set(nsKey(r), r);
        this.touchServicePolicies();
        break;
      case 'NetworkPolicy':
      case 'CiliumNetworkPolicy':
      case 'CiliumClusterwideNetworkPolicy':
        this.upsertPolicy(r);
        break;
    }
    return this.takeChanges();
  }

  remove(r: Pick<Resource, 'kind' | 'metadata'>): ChangeSummary {
    this.revision++;
    const res = r as Resource;
    switch (res.kind) {
      case 'Namespace':
        this.namespaces.delete(res.metadata.name);
        for (const [key, pod] of this.pods)
          if (pod.metadata.namespace === res.metadata.name) this.syncPodEndpoint(key);
        break;
      case 'Pod':
        this.pods.delete(nsKey(res));
        this.syncPodEndpoint(nsKey(res));
        break;
      case 'Deployment':
        this.deployments.delete(nsKey(res));
        this.syncDeploymentEndpoint(nsKey(res));
        break;
      case 'Node':
        this.nodes.delete(res.metadata.name);
        this.syncNode(res.metadata.name);
        break;
      case 'Service':
        this.services.delete(nsKey(res));
        this.touchServicePolicies();
        break;
      case 'EndpointSlice':
        this.slices.delete(nsKey(res));
        this.touchServicePolicies();
        break;
      default: {
        const key = resourceKey(res);
        const old = this.policies.get(key);
        if (old) this.dropPolicy(key, old);
      }
    }
    return this.takeChanges();
  }

  private takeChanges(): ChangeSummary {
    const endpoints = [...this.pendingChanges].filter(
      (k) => this.endpointsByKey.has(k) || this.resolved.has(k),
    );
    for (const k of this.pendingChanges) this.resolved.delete(k);
    this.pendingChanges = new Set();
    return { endpoints: endpoints.sort() };
  }

  private markEndpoint(key: string): void {
    this.pendingChanges.add(key);
  }

  private markSubjects(set: PolicyRuleSet): void {
    const subjects = new Map<string, PolicyRule['subject']>();
    for (const r of set.rules) subjects.set(`${r.subject.kind}:${r.subject.selector.key}`, r.subject);
    for (const d of set.defaults) subjects.set(`${d.subject.kind}:${d.subject.selector.key}`, d.subject);
    for (const s of subjects.values()) {
      if (s.kind === 'nodes') {
        for (const ep of this.endpointsByKey.values())
          if (ep.kind === 'node' && s.selector.matches(ep.labels)) this.markEndpoint(ep.key);
        continue;
      }
      for (const id of this.selectors.selections(labelMatcher(s.selector))) {
        for (const k of this.endpointsByIdentity.get(id) ?? []) this.markEndpoint(k);
      }
    }
  }

  private onSelectionChange(changedMatchers: string[]): void {
    for (const m of changedMatchers) {
      for (const pk of this.matcherUsers.get(m) ?? []) {
        const p = this.policies.get(pk);
        if (p) this.markSubjects(p.rules);
      }
    }
  }

  private upsertPolicy(r: NetworkPolicy | CiliumNetworkPolicy): void {
    this.subjectIndexCache = undefined;
    const key = resourceKey(r);
    const rules =
      r.kind === 'NetworkPolicy'
        ? translateNetworkPolicy(r)
        : translateCiliumPolicy(r, { cluster: this.cluster });
    // Add before delete: CIDR identities shared by the old and new version keep their numbers.
    const cidrIdentities: number[] = [];
    for (const prefix of cidrPrefixes(rules)) {
      const id = this.identities.acquireCIDR(prefix);
      cidrIdentities.push(id.id);
      this.ipcache.upsert(prefix, id.id, 'cidr');
    }
    const matchers = [...new Set(peerMatchers(rules).map((m) => m.key))];
    const old = this.policies.get(key);
    this.policies.set(key, { resource: r, rules, matchers, cidrIdentities });
    for (const m of matchers) {
      let users = this.matcherUsers.get(m);
      if (!users) {
        users = new Set();
        this.matcherUsers.set(m, users);
      }
      users.add(key);
    }
    this.markSubjects(rules);
    if (old) this.releasePolicyResources(key, old, new Set(matchers));
  }

  private dropPolicy(key: string, old: StoredPolicy): void {
    this.subjectIndexCache = undefined;
    this.policies.delete(key);
    this.markSubjects(old.rules);
    this.releasePolicyResources(key, old, new Set());
  }

  private releasePolicyResources(key: string, old: StoredPolicy, keep: Set<string>): void {
    this.markSubjects(old.rules);
    for (const m of old.matchers) {
      if (keep.has(m)) continue;
      const users = this.matcherUsers.get(m);
      users?.delete(key);
      if (users && users.size === 0) {
        this.matcherUsers.delete(m);
        this.selectors.forget(m);
        this.subjectIndexCache = undefined;
      }
    }
    for (const id of old.cidrIdentities) {
      const identity = this.identities.get(id);
      this.identities.release(id);
      if (identity?.prefix && !this.identities.get(id)) this.ipcache.delete(identity.prefix, 'cidr');
    }
  }

  private touchServicePolicies(): void {
    for (const p of this.policies.values()) {
      if (p.rules.rules.some((r) => r.peers.some((peer) => peer.kind === 'service')))
        this.markSubjects(p.rules);
    }
  }

  // ---- endpoints -----------------------------------------------------------------------------

  private namespaceLabels(ns: string): Record<string, string> {
    const labels = { ...(this.namespaces.get(ns)?.metadata.labels ?? {}) };
    labels[NAMESPACE_NAME_LABEL] ??= ns;
    return labels;
  }

  private syncPodEndpoint(key: string): void {
    const pod = this.pods.get(key);
    if (!pod || pod.spec.hostNetwork) {
      this.setEndpoint(key, undefined);
      return;
    }
    this.setEndpoint(
      key,
      this.makeEndpoint(
        'pod',
        pod.metadata.namespace ?? 'default',
        pod.metadata.name,
        pod.metadata.labels,
        pod.spec,
        pod.status?.podIP,
        ownerOf(pod),
      ),
    );
  }

  private syncDeploymentEndpoint(key: string): void {
    const d = this.deployments.get(key);
    if (!d || !this.deploymentsAsPods) {
      this.setEndpoint(key, undefined);
      return;
    }
    const ns = d.metadata.namespace ?? 'default';
    this.setEndpoint(
      key,
      this.makeEndpoint(
        'deployment',
        ns,
        d.metadata.name,
        d.spec.template.metadata?.labels,
        d.spec.template.spec,
        undefined,
        `Deployment/${d.metadata.name}`,
      ),
    );
  }

  private makeEndpoint(
    kind: 'pod' | 'deployment',
    namespace: string,
    name: string,
    labels: Record<string, string> | undefined,
    spec: PodSpec,
    ip: string | undefined,
    workload: string | undefined,
  ): Omit<Endpoint, 'identity'> & { labels: LabelSet } {
    const secLabels = podSecurityLabels(
      {
        namespace,
        labels: labels ?? {},
        namespaceLabels: this.namespaceLabels(namespace),
        ...(spec.serviceAccountName ? { serviceAccount: spec.serviceAccountName } : {}),
        cluster: this.cluster,
      },
      this.filter,
    );
    const ports: NamedPort[] = [];
    for (const c of spec.containers ?? []) {
      for (const p of c.ports ?? [])
        if (p.name) ports.push({ name: p.name, port: p.containerPort, protocol: p.protocol ?? 'TCP' });
    }
    const address = ip ? toAddress(ip) : undefined;
    return {
      key: `${namespace}/${name}`,
      kind,
      namespace,
      name,
      labels: secLabels,
      ports,
      ...(address ? { address } : {}),
      ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
      ...(workload ? { workload } : {}),
    };
  }

  private setEndpoint(
    key: string,
    next: (Omit<Endpoint, 'identity'> & { labels: LabelSet }) | undefined,
  ): void {
    const prev = this.endpointsByKey.get(key);
    if (
      prev &&
      next &&
      prev.labels.key === next.labels.key &&
      prev.address?.text === next.address?.text &&
      samePorts(prev.ports, next.ports)
    ) {
      return;
    }
    this.markEndpoint(key);
    // Unindex the old state first (the new one may have the same identity); the old identity is released
    // only after the new one is acquired, so a shared identity never drops to zero references in between.
    if (prev) this.endpointsByIdentity.get(prev.identity.id)?.delete(key);
    for (const p of prev?.ports ?? []) this.portHolders.get(p.name)?.delete(key);
    if (prev?.ports.length || next?.ports.length) {
      this.portIdentities.clear();
      this.portHoldersIn.clear();
    }
    for (const p of next?.ports ?? []) {
      let set = this.portHolders.get(p.name);
      if (!set) {
        set = new Set();
        this.portHolders.set(p.name, set);
      }
      set.add(key);
    }
    let identity: Identity | undefined;
    if (next) {
      identity = next.kind === 'node' ? prev?.identity : this.identities.acquire(next.labels);
      const ep: Endpoint = { ...next, identity: identity! };
      this.endpointsByKey.set(key, ep);
      let set = this.endpointsByIdentity.get(ep.identity.id);
      if (!set) {
        set = new Set();
        this.endpointsByIdentity.set(ep.identity.id, set);
      }
      set.add(key);
      if (ep.address)
        this.ipcache.upsert(
          IPCache.hostPrefix(ep.address.family, ep.address.addr),
          ep.identity.id,
          `pod:${key}`,
        );
    } else {
      this.endpointsByKey.delete(key);
    }
    if (prev) {
      if (prev.address && prev.address.text !== next?.address?.text) {
        this.ipcache.delete(IPCache.hostPrefix(prev.address.family, prev.address.addr), `pod:${key}`);
      }
      this.identities.release(prev.identity.id);
    }
    // Egress named ports toward any peer or an address block resolve to the destination's address too.
    const addressMoved =
      (prev?.ports.length || next?.ports.length) && prev?.address?.text !== next?.address?.text;
    this.refreshPorts(
      prev?.identity.id,
      identity?.id,
      !samePorts(prev?.ports ?? [], next?.ports ?? []) || Boolean(addressMoved),
    );
  }

  private refreshPorts(oldId: number | undefined, newId: number | undefined, portsChanged: boolean): void {
    for (const id of new Set([oldId, newId])) {
      if (id === undefined) continue;
      const ports: NamedPort[] = [];
      for (const k of this.endpointsByIdentity.get(id) ?? [])
        ports.push(...(this.endpointsByKey.get(k)?.ports ?? []));
      this.portsByIdentity.set(id, ports);
    }
    if (portsChanged || oldId !== newId) {
      for (const p of this.policies.values()) if (p.rules.usesEgressNamedPorts) this.markSubjects(p.rules);
    }
  }

  private syncNode(name: string): void {
    const node = this.nodes.get(name);
    const key = `node/${name}`;
    const prev = this.endpointsByKey.get(key);
    if (prev?.address) this.ipcache.delete(IPCache.hostPrefix(prev.address.family, prev.address.addr), key);
    if (!node) {
      this.endpointsByKey.delete(key);
      this.markEndpoint(key);
      return;
    }
    this.localNode ??= name;
    const isLocal = this.localNode === name;
    const identity = this.identities.get(isLocal ? IDENTITY_HOST : IDENTITY_REMOTE_NODE)!;
    const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    const address = ip ? toAddress(ip) : undefined;
    const labels = new LabelSet([
      ...LabelSet.fromRecord(node.metadata.labels, 'k8s').labels,
      { source: 'reserved', key: 'host', value: '' },
    ]);
    const ep: Endpoint = {
      key,
      kind: 'node',
      name,
      identity,
      labels,
      ports: [],
      ...(address ? { address } : {}),
    };
    this.endpointsByKey.set(key, ep);
    if (address) this.ipcache.upsert(IPCache.hostPrefix(address.family, address.addr), identity.id, key);
    this.markEndpoint(key);
  }

  // ---- queries -------------------------------------------------------------------------------

  endpoint(key: string): Endpoint | undefined {
    return this.endpointsByKey.get(key);
  }

  /** Pods (and Deployments standing for their pods), sorted by namespace/name. */
  listEndpoints(opts: { includeNodes?: boolean } = {}): Endpoint[] {
    return [...this.endpointsByKey.values()]
      .filter((e) => opts.includeNodes || e.kind !== 'node')
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** The resolved policy of an endpoint, computed on first use after a change that affects it. */
  policyOf(key: string): EndpointPolicy {
    const ep = this.endpointsByKey.get(key);
    if (!ep) throw new PolicyEngineError('PORIN_ERR_UNKNOWN_ENDPOINT', `no endpoint "${key}"`);
    let p = this.resolved.get(key);
    if (!p || p.endpoint !== ep) {
      p = resolveEndpoint(ep, this);
      this.resolved.set(key, p);
    }
    return p;
  }

  /** The remote as the datapath sees it: identity from the ipcache (world when unknown). */
  remoteForIP(ip: string, name?: string): Remote & { source: string } {
    const parsed = parseIP(ip);
    if (!parsed.ok) throw new PolicyEngineError('PORIN_ERR_BAD_QUERY', `"${ip}" is not an IP address`);
    const hit = this.ipcache.lookup(parsed.value.family, parsed.value.addr);
    return {
      identity: hit?.identity ?? IDENTITY_WORLD,
      family: parsed.value.family,
      addr: parsed.value.addr,
      source: hit?.source ?? 'world',
      ...(name ? { name } : {}),
    };
  }

  remoteForEndpoint(ep: Endpoint): Remote {
    return {
      identity: ep.identity.id,
      ...(ep.address ? { family: ep.address.family, addr: ep.address.addr } : {}),
    };
  }

  /** Every toFQDNs selector of the loaded policies, once each (the FQDN layer labels addresses with them). */
  fqdnSelectors(): DnsNameSelector[] {
    const out = new Map<string, DnsNameSelector>();
    for (const p of this.policies.values())
      for (const r of p.rules.rules)
        for (const peer of r.peers) if (peer.kind === 'fqdn') out.set(fqdnMatcher(peer).key, peer);
    return [...out.values()];
  }

  /**
   * The endpoints affected by changes made outside upsert/remove (FQDN identities allocated or released by
   * the FQDN layer through `identities`); the caller regenerates them as after an upsert.
   */
  flushChanges(): ChangeSummary {
    return this.takeChanges();
  }

  policyResources(): (NetworkPolicy | CiliumNetworkPolicy)[] {
    return [...this.policies.values()].map((p) => p.resource);
  }

  // ---- ResolveContext ------------------------------------------------------------------------

  subjectIndex(): readonly { group: SubjectGroup; selected?: ReadonlySet<number> }[] {
    if (!this.subjectIndexCache) {
      const out: { group: SubjectGroup; selected?: ReadonlySet<number> }[] = [];
      for (const p of this.policies.values()) {
        for (const group of subjectGroups(p.rules)) {
          out.push(
            group.subject.kind === 'endpoints'
              ? { group, selected: this.selectors.selections(labelMatcher(group.subject.selector)) }
              : { group },
          );
        }
      }
      this.subjectIndexCache = out;
    }
    return this.subjectIndexCache;
  }

  *ruleSets(): Iterable<PolicyRuleSet> {
    for (const p of this.policies.values()) yield p.rules;
  }

  subjectSelects(rule: Pick<PolicyRule, 'subject'>, ep: Endpoint): boolean {
    if (rule.subject.kind === 'nodes') return ep.kind === 'node' && rule.subject.selector.matches(ep.labels);
    if (ep.kind === 'node') return false;
    return this.selectors.selections(labelMatcher(rule.subject.selector)).has(ep.identity.id);
  }

  selections(m: IdentityMatcher): ReadonlySet<number> {
    return this.selectors.selections(m);
  }

  identity(id: number): Identity | undefined {
    return this.identities.get(id);
  }

  namedPortsOf(identity: number): readonly NamedPort[] {
    return this.portsByIdentity.get(identity) ?? [];
  }

  namedPortIdentities(name: string): Iterable<number> {
    let ids = this.portIdentities.get(name);
    if (!ids) {
      ids = new Set<number>();
      for (const key of this.portHolders.get(name) ?? []) {
        const ep = this.endpointsByKey.get(key);
        if (ep) ids.add(ep.identity.id);
      }
      this.portIdentities.set(name, ids);
    }
    return ids;
  }

  namedPortHolders(name: string, within: Prefix): Iterable<Endpoint> {
    // Holders of a name by address: IPv4 ones sorted by their 32-bit value, so an address block is a
    // contiguous range found by binary search; IPv6 ones are few and scanned.
    let idx = this.portHoldersIn.get(name);
    if (!idx) {
      const v4: { n: number; ep: Endpoint }[] = [];
      const v6: Endpoint[] = [];
      for (const key of this.portHolders.get(name) ?? []) {
        const ep = this.endpointsByKey.get(key);
        if (!ep?.address) continue;
        if (ep.address.family === 4) v4.push({ n: Number(ep.address.addr), ep });
        else v6.push(ep);
      }
      v4.sort((a, b) => a.n - b.n);
      idx = { v4, v6 };
      this.portHoldersIn.set(name, idx);
    }
    if (within.family === 6) return idx.v6.filter((ep) => prefixContainsAddr(within, 6, ep.address!.addr));
    const lo = Number(within.addr);
    const hi = lo + 2 ** (32 - within.bits);
    const out: Endpoint[] = [];
    let a = 0;
    let b = idx.v4.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (idx.v4[mid]!.n < lo) a = mid + 1;
      else b = mid;
    }
    for (let i = a; i < idx.v4.length && idx.v4[i]!.n < hi; i++) out.push(idx.v4[i]!.ep);
    return out;
  }

  serviceBackends(peer: Extract<Peer, { kind: 'service' }>): { selector?: Selector; addresses: Prefix[] } {
    const svcs = [...this.services.values()].filter(
      (s) =>
        (s.metadata.namespace ?? 'default') === peer.namespace &&
        (peer.name !== undefined
          ? s.metadata.name === peer.name
          : peer.selector!.matches(LabelSet.fromRecord(s.metadata.labels, 'k8s'))),
    );
    const addresses: Prefix[] = [];
    const selectors: Selector[] = [];
    for (const s of svcs) {
      if (s.spec.selector && Object.keys(s.spec.selector).length > 0) {
        selectors.push(
          Selector.from({ matchLabels: s.spec.selector }, 'k8s').and(namespacePin(peer.namespace)),
        );
        continue;
      }
      for (const sl of this.slices.values()) {
        if (
          sl.metadata.namespace !== s.metadata.namespace ||
          sl.metadata.labels?.['kubernetes.io/service-name'] !== s.metadata.name
        )
          continue;
        for (const e of sl.endpoints)
          for (const a of e.addresses) if (parseIP(a).ok) addresses.push(mustPrefix(a));
      }
    }
    // Several selector-backed services: resolve the first; a union of selectors is not one selector.
    return selectors[0] ? { selector: selectors[0], addresses } : { addresses };
  }
}

function nsKey(r: { metadata: { namespace?: string; name: string } }): string {
  return `${r.metadata.namespace ?? 'default'}/${r.metadata.name}`;
}

function ownerOf(pod: Pod): string | undefined {
  const o = pod.metadata.ownerReferences?.find((r) => r.controller) ?? pod.metadata.ownerReferences?.[0];
  return o ? `${o.kind}/${o.name}` : undefined;
}

function toAddress(ip: string): EndpointAddress | undefined {
  const p = parseIP(ip);
  return p.ok ? { family: p.value.family, addr: p.value.addr, text: ip } : undefined;
}

function samePorts(a: readonly NamedPort[], b: readonly NamedPort[]): boolean {
  return (
    a.length === b.length &&
    a.every((p, i) => p.name === b[i]?.name && p.port === b[i]?.port && p.protocol === b[i]?.protocol)
  );
}

function cidrPrefixes(set: PolicyRuleSet): Prefix[] {
  const out: Prefix[] = [];
  for (const r of set.rules) {
    for (const p of r.peers) {
      if (p.kind !== 'cidr' || p.matchesPods) continue;
      if (p.prefix.bits > 0) out.push(p.prefix);
      out.push(...p.except);
    }
  }
  return out;
}

function peerMatchers(set: PolicyRuleSet): IdentityMatcher[] {
  const out: IdentityMatcher[] = [];
  for (const r of set.rules) {
    for (const p of r.peers) {
      if (p.kind === 'selector') out.push(labelMatcher(p.selector));
      else if (p.kind === 'cidr' && !p.matchesPods) out.push(cidrMatcher(p.prefix, p.except));
      else if (p.kind === 'fqdn') out.push(fqdnMatcher(p));
    }
    for (const s of r.requires ?? []) out.push(labelMatcher(s));
  }
  return out;
}
