// Rules × one endpoint → its resolved ingress and egress policy (entries with origins, default-deny state).
import type { Identity } from '../identity/index.js';
import type { Selector } from '../labels/index.js';
import { familyWidth, type Prefix, subtractPrefixes } from '../net/cidr.js';
import { DirectionPolicy } from './direction-policy.js';
import type { Endpoint, NamedPort } from './endpoint.js';
import { fqdnMatcher } from './fqdn-matcher.js';
import { type EntryPeer, EntryTable, identityPeer, type PolicyEntry } from './policy-entry.js';
import {
  type Direction,
  type L4Protocol,
  type L7Rules,
  type Peer,
  type PolicyRef,
  type PolicyRule,
  type PolicyRuleSet,
  type PortSpec,
  PROTOCOL_NUMBER,
} from './rule.js';
import { cidrMatcher, type IdentityMatcher, labelMatcher } from './selector-cache.js';

export type Enforcement = 'default' | 'always' | 'never';

/** What resolution needs from the cluster state (the engine provides it). */
export interface ResolveContext {
  readonly enforcement: Enforcement;
  /** The local host may always reach pods (Cilium's --allow-localhost=always in Kubernetes mode). */
  readonly allowLocalhost: boolean;
  ruleSets(): Iterable<PolicyRuleSet>;
  /**
   * Every subject group with, for endpoint subjects, the live set of identities it selects (a fast path
   * for resolution; without it each group is tested with subjectSelects).
   */
  subjectIndex?(): readonly { group: SubjectGroup; selected?: ReadonlySet<number> }[];
  subjectSelects(rule: Pick<PolicyRule, 'subject'>, ep: Endpoint): boolean;
  selections(m: IdentityMatcher): ReadonlySet<number>;
  identity(id: number): Identity | undefined;
  /** Named ports declared by the pods that carry this identity. */
  namedPortsOf(identity: number): readonly NamedPort[];
  /** Every endpoint that declares a port of this name (for egress named ports toward any peer or an address block). */
  namedPortHolders(name: string, within: Prefix): Iterable<Pick<Endpoint, 'identity' | 'address' | 'ports'>>;
  /** The identities whose pods declare a port of this name. */
  namedPortIdentities(name: string): Iterable<number>;
  /** A toServices peer: the backends' selector (services with a selector) or their addresses. */
  serviceBackends(peer: Extract<Peer, { kind: 'service' }>): { selector?: Selector; addresses: Prefix[] };
}

export interface EndpointPolicy {
  endpoint: Endpoint;
  ingress: DirectionPolicy;
  egress: DirectionPolicy;
  /** The rules that selected the endpoint, for `policy get`. */
  rules: PolicyRule[];
  /** Problems found while resolving (unresolvable named ports, conflicting L7 types...). */
  warnings: string[];
}

export function resolveEndpoint(ep: Endpoint, ctx: ResolveContext): EndpointPolicy {
  const selecting: PolicyRule[] = [];
  const deny: Record<Direction, PolicyRef[]> = { ingress: [], egress: [] };
  const selected: Record<Direction, boolean> = { ingress: false, egress: false };
  const take = (g: SubjectGroup) => {
    for (const d of g.defaults) {
      selected[d.direction] = true;
      if (d.enabled && !deny[d.direction].includes(d.policy)) deny[d.direction].push(d.policy);
    }
    for (const r of g.rules) selecting.push(r);
  };
  const index = ctx.subjectIndex?.();
  if (index) {
    const id = ep.identity.id;
    for (const { group, selected: sel } of index) {
      if (sel ? ep.kind !== 'node' && sel.has(id) : ctx.subjectSelects(group, ep)) take(group);
    }
  } else {
    // A policy's rules share few subjects (usually one): test each subject once.
    for (const set of ctx.ruleSets())
      for (const g of subjectGroups(set)) if (ctx.subjectSelects(g, ep)) take(g);
  }
  const warnings: string[] = [];
  const build = (direction: Direction): DirectionPolicy => {
    const rules = selecting.filter((r) => r.direction === direction);
    const requires = rules.flatMap((r) => (r.deny ? [] : (r.requires ?? [])));
    const entries = new EntryTable();
    for (const r of rules) addRule(r, ep, ctx, requires, entries, warnings);
    const always = ctx.enforcement === 'always';
    return new DirectionPolicy(
      direction,
      entries.values(),
      selected[direction] || rules.length > 0,
      always || deny[direction].length > 0,
      deny[direction],
      ctx.enforcement,
      direction === 'ingress' && ep.kind !== 'node' && ctx.allowLocalhost,
    );
  };
  return { endpoint: ep, ingress: build('ingress'), egress: build('egress'), rules: selecting, warnings };
}

export interface SubjectGroup {
  subject: PolicyRule['subject'];
  rules: PolicyRule[];
  defaults: PolicyRuleSet['defaults'];
}

const groups = new WeakMap<PolicyRuleSet, SubjectGroup[]>();

/** The rules and default-deny contributions of a policy, grouped by subject (computed once per rule set). */
export function subjectGroups(set: PolicyRuleSet): SubjectGroup[] {
  let g = groups.get(set);
  if (g) return g;
  const byKey = new Map<string, SubjectGroup>();
  const group = (subject: PolicyRule['subject']) => {
    const k = `${subject.kind}:${subject.selector.key}`;
    let x = byKey.get(k);
    if (!x) {
      x = { subject, rules: [], defaults: [] };
      byKey.set(k, x);
    }
    return x;
  };
  for (const d of set.defaults) group(d.subject).defaults.push(d);
  for (const r of set.rules) group(r.subject).rules.push(r);
  g = [...byKey.values()];
  groups.set(set, g);
  return g;
}

/** The remote peers of a rule as entry peers (identities, prefixes or names). */
function peersOf(rule: PolicyRule, ctx: ResolveContext, requires: Selector[]): EntryPeer[] {
  const out: EntryPeer[] = [];
  const ids = (set: Iterable<number>) => {
    for (const id of set) {
      if (!rule.deny && requires.length > 0 && !meetsRequires(id, ctx, requires)) continue;
      out.push(identityPeer(id));
    }
  };
  for (const p of rule.peers) {
    switch (p.kind) {
      case 'all':
        if (!rule.deny && requires.length > 0) ids(ctx.selections(labelMatcher(requires[0]!)));
        else out.push(identityPeer(0));
        break;
      case 'selector':
        ids(ctx.selections(labelMatcher(p.selector)));
        break;
      case 'cidr':
        if (p.matchesPods)
          for (const prefix of subtractPrefixes(p.prefix, p.except)) out.push({ kind: 'prefix', prefix });
        else ids(ctx.selections(cidrMatcher(p.prefix, p.except)));
        break;
      case 'fqdn':
        // The name (for `policy trace --to NAME`) and the identities of the addresses learned under it.
        out.push(
          p.matchName !== undefined
            ? { kind: 'fqdn', matchName: p.matchName }
            : { kind: 'fqdn', matchPattern: p.matchPattern! },
        );
        ids(ctx.selections(fqdnMatcher(p)));
        break;
      case 'service': {
        const b = ctx.serviceBackends(p);
        if (b.selector) ids(ctx.selections(labelMatcher(b.selector)));
        for (const prefix of b.addresses) out.push({ kind: 'prefix', prefix });
        break;
      }
    }
  }
  return out;
}

function meetsRequires(id: number, ctx: ResolveContext, requires: Selector[]): boolean {
  const identity = ctx.identity(id);
  return identity !== undefined && requires.every((s) => s.matches(identity.labels));
}

function namedPortMatches(np: NamedPort, spec: PortSpec): boolean {
  return np.name === spec.name && (spec.protocol === 'ANY' || np.protocol === spec.protocol);
}

function addRule(
  rule: PolicyRule,
  ep: Endpoint,
  ctx: ResolveContext,
  requires: Selector[],
  into: EntryTable,
  warnings: string[],
): void {
  const peers = peersOf(rule, ctx, requires);
  const { direction, deny } = rule;
  // Shared by every entry of this rule until a merge replaces it (see EntryTable.merge).
  const origins = [rule.origin];
  const make = (
    peer: EntryPeer,
    protocol: number,
    portLo: number,
    portHi: number,
    l7: L7Rules[] | undefined,
    portName?: string,
  ) => {
    const e: PolicyEntry = { direction, peer, protocol, portLo, portHi, deny, origins };
    if (l7) e.l7 = l7;
    if (portName !== undefined) e.portName = portName;
    if (rule.auth) e.auth = rule.auth;
    into.merge(e);
  };
  if (rule.ports === null) {
    for (const peer of peers) make(peer, 0, 0, 65535, undefined);
    return;
  }
  for (const pr of rule.ports) {
    const l7 = pr.l7 ? [pr.l7] : undefined;
    const spec = pr.port;
    const protocol = PROTOCOL_NUMBER[spec.protocol as L4Protocol];
    if (spec.name === undefined) {
      for (const peer of peers) make(peer, protocol, spec.port, spec.endPort, l7);
      continue;
    }
    // Named ports: on ingress the local endpoint's; on egress the destination's (upstream semantics), so a
    // wildcard or address-block peer becomes one entry per destination pod that declares the port.
    let resolvedAny = false;
    const add = (peer: EntryPeer, np: NamedPort) => {
      if (!namedPortMatches(np, spec)) return;
      resolvedAny = true;
      make(peer, PROTOCOL_NUMBER[np.protocol], np.port, np.port, l7, np.name);
    };
    for (const peer of peers) {
      if (rule.direction === 'ingress') {
        for (const np of ep.ports) add(peer, np);
      } else if (peer.kind === 'identity' && peer.id !== 0) {
        for (const np of ctx.namedPortsOf(peer.id)) add(peer, np);
      } else if (peer.kind === 'fqdn') {
      } else {
        if (peer.kind === 'identity') {
          // Every identity whose pods declare the name: entries are per identity, so use its pods' union.
          for (const id of ctx.namedPortIdentities(spec.name))
            for (const np of ctx.namedPortsOf(id)) add(identityPeer(id), np);
          continue;
        }
        if (peer.kind !== 'prefix') continue;
        for (const holder of ctx.namedPortHolders(spec.name, peer.prefix)) {
          let target: EntryPeer | undefined;
          if (holder.address) {
            target = {
              kind: 'prefix',
              prefix: {
                family: holder.address.family,
                addr: holder.address.addr,
                bits: familyWidth(holder.address.family),
              },
            };
          }
          if (target) for (const np of holder.ports) add(target, np);
        }
      }
    }
    if (!resolvedAny && peers.length > 0) {
      warnings.push(
        `named port "${spec.name}" (${spec.protocol}) of ${rule.origin.name} matches no ${rule.direction === 'ingress' ? 'port of this endpoint' : 'port of the selected peers'}`,
      );
    }
  }
}
