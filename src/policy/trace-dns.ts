// `policy trace --to NAME`: whether the pod's DNS lookup of NAME is allowed and seen by the DNS proxy (toFQDNs needs both).
import type { Endpoint } from './endpoint.js';
import type { PolicyEngine } from './engine.js';
import { matchDns } from './l7-match-dns.js';
import { formatRuleOrigin, PROTOCOL_NUMBER, type RuleOrigin } from './rule.js';

export interface DnsLookupTrace {
  /** The DNS server asked: the kube-dns endpoint (`kube-system/…`), or none in the manifests. */
  server?: string;
  /**
   * `allowed`: a DNS rule lets the query through the proxy, which learns the answer's addresses;
   * `not-visible`: allowed without a DNS rule, so the proxy never sees the answer and toFQDNs learns nothing;
   * `denied`: dropped at L3/L4 or refused by the DNS rules.
   */
  verdict: 'allowed' | 'denied' | 'not-visible';
  rules: RuleOrigin[];
  summary: string;
}

/** The kube-dns endpoints (`k8s-app=kube-dns` in kube-system), which Cilium's canonical DNS rule selects. */
export function kubeDnsEndpoints(engine: PolicyEngine): Endpoint[] {
  return engine
    .listEndpoints()
    .filter((e) => e.namespace === 'kube-system' && e.labels.value('k8s-app', 'k8s') === 'kube-dns');
}

export function traceDnsLookup(engine: PolicyEngine, from: Endpoint, name: string): DnsLookupTrace {
  const server = kubeDnsEndpoints(engine)[0];
  if (!server)
    return {
      verdict: 'denied',
      rules: [],
      summary: `no kube-dns endpoint (k8s-app=kube-dns in kube-system) in the manifests: cannot trace the lookup of ${name}`,
    };
  const who = `${server.namespace}/${server.name}`;
  const remote = engine.remoteForEndpoint(server);
  const egress = engine.policyOf(from.key).egress.decide(remote, PROTOCOL_NUMBER.UDP, 53);
  const ingress = engine
    .policyOf(server.key)
    .ingress.decide(engine.remoteForEndpoint(from), PROTOCOL_NUMBER.UDP, 53);
  const origins = (d: typeof egress) => [...new Set(d.entries.flatMap((e) => e.origins))];
  if (egress.verdict === 'denied' || ingress.verdict === 'denied') {
    const side = egress.verdict === 'denied' ? 'egress of the pod' : `ingress of ${who}`;
    return {
      server: who,
      verdict: 'denied',
      rules: origins(egress.verdict === 'denied' ? egress : ingress),
      summary: `the lookup of ${name} (53/UDP to ${who}) is dropped on ${side}`,
    };
  }
  if (egress.verdict === 'allowed') {
    return {
      server: who,
      verdict: 'not-visible',
      rules: origins(egress),
      summary: `the lookup of ${name} is allowed without a DNS rule: the DNS proxy never sees the answer, so toFQDNs rules learn no address (add rules.dns on port 53)`,
    };
  }
  for (const e of egress.entries) {
    for (const set of e.l7 ?? []) {
      if (set.type !== 'dns') continue;
      const i = matchDns(set.dns, name);
      if (i >= 0)
        return {
          server: who,
          verdict: 'allowed',
          rules: e.origins,
          summary: `the lookup of ${name} via ${who}:53 passes the DNS proxy (${e.origins.map(formatRuleOrigin).join(', ')}, ${JSON.stringify(set.dns[i] ?? {})}); its answer's addresses get the FQDN identity before the pod sees them`,
        };
    }
  }
  return {
    server: who,
    verdict: 'denied',
    rules: origins(egress),
    summary: `the lookup of ${name} via ${who}:53 is refused by the DNS rules (REFUSED): the pod never learns an address`,
  };
}
