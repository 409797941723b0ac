// The editor's warnings: well-known policy mistakes, each with the field path it is about (cluster-aware where it helps).
//
// Structural checks read the policy alone: a stray `-` that splits a peer or a rule in two, and the
// empty rule (`ingress: [{}]`) whose meaning differs between NetworkPolicy (allow all) and
// CiliumNetworkPolicy (allow nothing). Cluster checks ask the engine, with the policy applied:
// a podSelector that only matches pods of other namespaces, egress isolation that cuts DNS, and
// address blocks that cover pods.
import { Selector } from '../labels/index.js';
import { type Prefix, parsePrefix, prefixContains, prefixContainsAddr } from '../net/cidr.js';
import type { Endpoint, PolicyEngine } from '../policy/index.js';
import { subjectGroups } from '../policy/index.js';
import type { CiliumRule, LabelSelector, NetworkPolicy, NetworkPolicyPeer } from '../resources/index.js';
import type { Advice } from './insight-types.js';
import type { PolicyObject } from './what-if-engine.js';

export interface LintContext {
  /** The engine with the policy applied; absent: structural checks only. */
  engine?: PolicyEngine;
  /** The cluster's pod network (ipBlock over it matches pods). */
  podCIDRs?: readonly string[];
}

const NS_KEY = 'io.kubernetes.pod.namespace';

/** The endpoints a policy selects (it must be applied to the engine). */
export function selectedEndpoints(engine: PolicyEngine, p: PolicyObject): Endpoint[] {
  const ns = p.kind === 'CiliumClusterwideNetworkPolicy' ? undefined : (p.metadata.namespace ?? 'default');
  const sets = [...engine.ruleSets()].filter(
    (s) => s.policy.kind === p.kind && s.policy.name === p.metadata.name && s.policy.namespace === ns,
  );
  const groups = sets.flatMap((s) => subjectGroups(s));
  return engine.listEndpoints().filter((ep) => groups.some((g) => engine.subjectSelects(g, ep)));
}

function peerNamespaces(engine: PolicyEngine, sel: Selector): Map<string, number> {
  const out = new Map<string, number>();
  for (const ep of engine.listEndpoints()) {
    if (!ep.namespace || !sel.matches(ep.labels)) continue;
    out.set(ep.namespace, (out.get(ep.namespace) ?? 0) + 1);
  }
  return out;
}

function otherNamespaceAdvice(
  engine: PolicyEngine,
  sel: Selector,
  ns: string,
  path: string,
  fix: string,
): Advice | undefined {
  if (sel.isEmpty) return undefined;
  const where = peerNamespaces(engine, sel);
  if (where.has(ns) || where.size === 0) return undefined;
  const list = [...where].map(([n, c]) => `${n} (${c})`).join(', ');
  return {
    severity: 'warning',
    code: 'PEER_OTHER_NAMESPACE',
    path,
    message: `selects no pod in namespace ${ns}, the policy's own: it matches pods in ${list}. A pod selector alone means the policy's namespace — ${fix}`,
  };
}

function cidrAdvice(
  engine: PolicyEngine | undefined,
  podNets: Prefix[],
  cidr: string,
  path: string,
  cilium: boolean,
): Advice | undefined {
  const p = parsePrefix(cidr);
  if (!p.ok) return undefined;
  const nets = podNets.filter((n) => prefixContains(p.value, n) || prefixContains(n, p.value));
  const pods = (engine?.listEndpoints() ?? []).filter(
    (ep) => ep.address && prefixContainsAddr(p.value, ep.address.family, ep.address.addr),
  );
  if (nets.length === 0 && pods.length === 0) return undefined;
  const what = pods.length
    ? `${pods.length} pod address(es) (${pods
        .slice(0, 3)
        .map((e) => `${e.key} ${e.address!.text}`)
        .join(', ')}${pods.length > 3 ? ', …' : ''})`
    : 'the pod network';
  return {
    severity: 'warning',
    code: 'CIDR_ON_PODS',
    path,
    message: cilium
      ? `covers ${what}, but CIDR rules of a CiliumNetworkPolicy never match pods (they have identities): select them with endpoints instead`
      : `covers ${what}. ipBlock does match pods (as upstream Kubernetes), but pod addresses change when pods restart: select pods with podSelector/namespaceSelector instead`,
  };
}

function lintNetworkPolicy(p: NetworkPolicy, ctx: LintContext, out: Advice[]): void {
  const ns = p.metadata.namespace ?? 'default';
  const podNets = (ctx.podCIDRs ?? []).map((c) => parsePrefix(c)).flatMap((r) => (r.ok ? [r.value] : []));
  for (const dir of ['ingress', 'egress'] as const) {
    const rules = p.spec[dir] ?? [];
    const peerKey = dir === 'ingress' ? 'from' : 'to';
    rules.forEach((rule, i) => {
      const base = `spec.${dir}[${i}]`;
      const peers: NetworkPolicyPeer[] | undefined = (
        rule as Record<string, NetworkPolicyPeer[] | undefined>
      )[peerKey];
      if (!peers && !rule.ports) {
        out.push({
          severity: dir === 'ingress' ? 'warning' : 'info',
          code: 'EMPTY_RULE_ALLOWS_ALL',
          path: base,
          message: `an empty rule allows ${dir === 'ingress' ? 'every source' : 'every destination'} on every port: all namespaces and outside the cluster. To allow only pods of namespace ${ns}, write ${peerKey}: [{podSelector: {}}]`,
        });
      }
      peers?.forEach((peer, j) => {
        const path = `${base}.${peerKey}[${j}]`;
        if (peer.podSelector && !peer.namespaceSelector && isEmptySelector(peer.podSelector)) {
          out.push({
            severity: 'info',
            code: 'SAME_NAMESPACE_ONLY',
            path: `${path}.podSelector`,
            message: `podSelector: {} alone allows every pod of namespace ${ns} — not other namespaces, not outside the cluster (an empty rule, ${dir}: [{}], would allow everything)`,
          });
        }
        if (ctx.engine && peer.podSelector && !peer.namespaceSelector) {
          const sel = Selector.from(peer.podSelector, 'k8s');
          const a = otherNamespaceAdvice(
            ctx.engine,
            sel,
            ns,
            `${path}.podSelector`,
            'add a namespaceSelector to this peer (same list item) for pods of other namespaces',
          );
          if (a) out.push(a);
        }
        if (peer.ipBlock?.cidr) {
          const a = cidrAdvice(ctx.engine, podNets, peer.ipBlock.cidr, `${path}.ipBlock.cidr`, false);
          if (a) out.push(a);
        }
        const next = peers[j + 1];
        if (next && strayPeerPair(peer, next)) {
          out.push({
            severity: 'warning',
            code: 'STRAY_DASH_PEER',
            path: `${base}.${peerKey}[${j + 1}]`,
            message: `${peerKey}[${j}] and ${peerKey}[${j + 1}] are two peers (OR): every pod of the selected namespaces, plus the selected pods of namespace ${ns}. If you meant the selected pods in those namespaces (AND), put namespaceSelector and podSelector in one item: remove the "-" before this one`,
          });
        }
      });
      const next = rules[i + 1] as Record<string, unknown> | undefined;
      if (next && strayRulePair(rule as Record<string, unknown>, next, peerKey, 'ports')) {
        out.push({
          severity: 'warning',
          code: 'STRAY_DASH_RULE',
          path: `spec.${dir}[${i + 1}]`,
          message: `${dir}[${i}] has ${peerKey} but no ports (every port), and ${dir}[${i + 1}] has ports but no ${peerKey} (every ${dir === 'ingress' ? 'source' : 'destination'}): two rules. If you meant one rule, remove the "-" before ports`,
        });
      }
    });
  }
}

function isEmptySelector(s: LabelSelector): boolean {
  return Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
}

function strayPeerPair(a: NetworkPolicyPeer, b: NetworkPolicyPeer): boolean {
  const nsOnly = (x: NetworkPolicyPeer) => !!x.namespaceSelector && !x.podSelector && !x.ipBlock;
  const podOnly = (x: NetworkPolicyPeer) => !!x.podSelector && !x.namespaceSelector && !x.ipBlock;
  return (nsOnly(a) && podOnly(b)) || (podOnly(a) && nsOnly(b));
}

function strayRulePair(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  peerKey: string,
  portsKey: string,
): boolean {
  const keys = (x: Record<string, unknown>) => Object.keys(x).filter((k) => x[k] !== undefined);
  const peersOnly = (x: Record<string, unknown>) =>
    keys(x).length > 0 && keys(x).every((k) => k.startsWith(peerKey));
  const portsOnly = (x: Record<string, unknown>) => keys(x).length === 1 && keys(x)[0] === portsKey;
  return (peersOnly(a) && portsOnly(b)) || (portsOnly(a) && peersOnly(b));
}

function lintCiliumRule(
  rule: CiliumRule,
  base: string,
  ns: string | undefined,
  ctx: LintContext,
  out: Advice[],
): void {
  const podNets = (ctx.podCIDRs ?? []).map((c) => parsePrefix(c)).flatMap((r) => (r.ok ? [r.value] : []));
  for (const section of ['ingress', 'egress', 'ingressDeny', 'egressDeny'] as const) {
    const list = (rule[section] ?? []) as Record<string, unknown>[];
    const from = section.startsWith('ingress') ? 'from' : 'to';
    list.forEach((r, i) => {
      const path = `${base}.${section}[${i}]`;
      if ((section === 'ingress' || section === 'egress') && Object.keys(r).length === 0) {
        out.push({
          severity: 'warning',
          code: 'EMPTY_RULE_ALLOWS_NOTHING',
          path,
          message: `in a CiliumNetworkPolicy an empty rule allows nothing: it only puts the selected endpoints into ${section} default deny. To allow everything, write ${from}Entities: [all]`,
        });
      }
      const eps = (r[`${from}Endpoints`] ?? []) as LabelSelector[];
      eps.forEach((sel, j) => {
        const keys = [
          ...Object.keys(sel.matchLabels ?? {}),
          ...(sel.matchExpressions ?? []).map((e) => e.key),
        ];
        const pinned = keys.some((k) => k.endsWith(NS_KEY) || k.includes('io.cilium.k8s.namespace.labels'));
        if (!ctx.engine || pinned || ns === undefined) return;
        const a = otherNamespaceAdvice(
          ctx.engine,
          Selector.from(sel, 'any'),
          ns,
          `${path}.${from}Endpoints[${j}]`,
          `add "k8s:${NS_KEY}: <namespace>" to this selector for pods of another namespace`,
        );
        if (a) out.push(a);
      });
      ((r[`${from}CIDR`] ?? []) as string[]).forEach((c, j) => {
        const a = cidrAdvice(ctx.engine, podNets, c, `${path}.${from}CIDR[${j}]`, true);
        if (a) out.push(a);
      });
      ((r[`${from}CIDRSet`] ?? []) as { cidr?: string }[]).forEach((c, j) => {
        if (!c.cidr) return;
        const a = cidrAdvice(ctx.engine, podNets, c.cidr, `${path}.${from}CIDRSet[${j}].cidr`, true);
        if (a) out.push(a);
      });
      const next = list[i + 1];
      const peerKeys = (x: Record<string, unknown>) =>
        Object.keys(x).filter((k) => k.startsWith(from) && k !== 'toPorts');
      if (next && Object.keys(r).length > 0 && Object.keys(next).length > 0) {
        const a = r;
        const b = next;
        const onlyPeers = (x: Record<string, unknown>) =>
          peerKeys(x).length > 0 && Object.keys(x).length === peerKeys(x).length;
        const onlyPorts = (x: Record<string, unknown>) => Object.keys(x).length === 1 && 'toPorts' in x;
        if ((onlyPeers(a) && onlyPorts(b)) || (onlyPorts(a) && onlyPeers(b))) {
          out.push({
            severity: 'warning',
            code: 'STRAY_DASH_RULE',
            path: `${base}.${section}[${i + 1}]`,
            message: `${section}[${i}] and ${section}[${i + 1}] are two rules: one names peers on every port, the other ports for ${section.startsWith('ingress') ? 'no source' : 'no destination'} in particular. If you meant one rule, remove the "-" before toPorts`,
          });
        }
      }
    });
  }
}

/** True when the policy turns on egress default deny for what it selects. */
function isolatesEgress(p: PolicyObject): { path: string } | undefined {
  if (p.kind === 'NetworkPolicy') {
    const types = p.spec.policyTypes ?? [];
    const i = types.indexOf('Egress');
    return i >= 0 ? { path: `spec.policyTypes[${i}]` } : undefined;
  }
  const rules = p.specs
    ? p.specs.map((r, i) => [r, `specs[${i}]`] as const)
    : p.spec
      ? [[p.spec, 'spec'] as const]
      : [];
  for (const [r, base] of rules) {
    if (r.enableDefaultDeny?.egress === false) continue;
    if (r.egress) return { path: `${base}.egress` };
    if (r.egressDeny) return { path: `${base}.egressDeny` };
  }
  return undefined;
}

function dnsAdvice(p: PolicyObject, ctx: LintContext, selected: Endpoint[]): Advice | undefined {
  const iso = isolatesEgress(p);
  if (!iso || !ctx.engine) return undefined;
  const dns = ctx.engine.listEndpoints().find((e) => e.labels.toStrings().includes('k8s:k8s-app=kube-dns'));
  if (!dns || selected.length === 0) return undefined;
  const remote = ctx.engine.remoteForEndpoint(dns);
  const cut = selected.filter(
    (ep) => ep !== dns && ctx.engine!.policyOf(ep.key).egress.decide(remote, 17, 53).verdict === 'denied',
  );
  if (cut.length === 0) return undefined;
  return {
    severity: 'warning',
    code: 'EGRESS_WITHOUT_DNS',
    path: iso.path,
    message: `egress default deny without DNS: ${cut.length} selected pod(s) (${cut
      .slice(0, 3)
      .map((e) => e.key)
      .join(
        ', ',
      )}${cut.length > 3 ? ', …' : ''}) could no longer resolve names. Allow UDP and TCP 53 to kube-dns (namespace kube-system, k8s-app=kube-dns)`,
  };
}

export function lintPolicy(p: PolicyObject, ctx: LintContext): { advice: Advice[]; selected: Endpoint[] } {
  const advice: Advice[] = [];
  if (p.kind === 'NetworkPolicy') lintNetworkPolicy(p, ctx, advice);
  else {
    const ns = p.kind === 'CiliumNetworkPolicy' ? (p.metadata.namespace ?? 'default') : undefined;
    if (p.spec) lintCiliumRule(p.spec, 'spec', ns, ctx, advice);
    p.specs?.forEach((r, i) => {
      lintCiliumRule(r, `specs[${i}]`, ns, ctx, advice);
    });
  }
  const selected = ctx.engine ? selectedEndpoints(ctx.engine, p) : [];
  const dns = dnsAdvice(p, ctx, selected);
  if (dns) advice.push(dns);
  return { advice, selected };
}
