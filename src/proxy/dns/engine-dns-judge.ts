// A DnsJudge over a policy engine (in-process: tests, the agent until the proxy has its own feed): Cilium's DNS rules.
import {
  formatPolicyRef,
  matchDns,
  type PolicyEngine,
  type PolicyEntry,
  PROTOCOL_NUMBER,
} from '../../policy/index.js';
import type { L7RuleRef, L7Verdict, SocketAddress } from '../l7-handler.js';
import type { DnsJudge, DnsRequest } from './dns-judge.js';

/** The endpoint key (`namespace/pod`) that owns an address, from the engine's ipcache; undefined if none. */
export function endpointKeyOf(engine: PolicyEngine, address: string): string | undefined {
  let hit: ReturnType<PolicyEngine['remoteForIP']>;
  try {
    hit = engine.remoteForIP(address);
  } catch {
    return undefined;
  }
  return hit.source.startsWith('pod:') ? hit.source.slice(4) : undefined;
}

const ref = (e: PolicyEntry, rule?: string): L7RuleRef[] =>
  e.origins.map((o) => ({
    direction: 'egress',
    policy: formatPolicyRef(o),
    // The origin knows the rule, not its toPorts entry: `spec.egress[1] dns[0]` (the DNS rule's index in its list).
    ...(rule !== undefined
      ? { rule: `${o.spec !== undefined ? `specs[${o.spec}]` : 'spec'}.${o.section}[${o.rule}] dns[${rule}]` }
      : {}),
  }));

/**
 * The source's egress decision toward the server's identity and port: a plain allow forwards every name; an
 * L7 redirect forwards names some DNS rule matches (the rule that matched is named); everything else, and any
 * source that is not an endpoint, is DROPPED.
 */
export function engineDnsJudge(engine: PolicyEngine): DnsJudge {
  return (req: DnsRequest, source: SocketAddress, destination: SocketAddress): L7Verdict => {
    const key = endpointKeyOf(engine, source.address);
    if (!key || !engine.endpoint(key)) return { verdict: 'DROPPED', rules: [] };
    const proto = PROTOCOL_NUMBER[req.transport === 'udp' ? 'UDP' : 'TCP'];
    const d = engine
      .policyOf(key)
      .egress.decide(engine.remoteForIP(destination.address), proto, destination.port);
    if (d.verdict === 'allowed') return { verdict: 'FORWARDED', rules: d.entries.flatMap((e) => ref(e)) };
    if (d.verdict === 'denied') return { verdict: 'DROPPED', rules: d.entries.flatMap((e) => ref(e)) };
    const refused: L7RuleRef[] = [];
    for (const e of d.entries) {
      for (const set of e.l7 ?? []) {
        if (set.type !== 'dns') continue;
        const i = matchDns(set.dns, req.query);
        if (i >= 0) return { verdict: 'FORWARDED', rules: ref(e, String(i)) };
      }
      refused.push(...ref(e));
    }
    return { verdict: 'DROPPED', rules: refused };
  };
}
