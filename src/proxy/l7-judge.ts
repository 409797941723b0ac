// judge(): one request against the source's egress and the destination's ingress policy, naming the rules that decided.
import {
  type Decision,
  type Direction,
  formatL7RulePath,
  formatPolicyRef,
  type L7Rules,
  matchDns,
  matchHttpRules,
  matchKafka,
  type PolicyRef,
  type Remote,
} from '../policy/index.js';
import type { HeaderAction, L7Request, L7RuleRef, L7Verdict, SocketAddress } from './l7-handler.js';
import { type ProxyPolicy, redirects, type SidePolicy } from './proxy-policy.js';

/** What one end's L7 rule sets (of the request's type) say about a request; `matched` names the rules. */
export interface L7Match {
  readonly allowed: boolean;
  readonly matched: ReadonlyArray<{ readonly set: L7Rules; readonly index: number }>;
  readonly headerActions?: readonly HeaderAction[];
  /** Kafka: the topics no rule allowed. */
  readonly deniedTopics?: readonly string[];
}

export type L7Matcher = (sets: readonly L7Rules[], req: L7Request) => L7Match;

const DENY: L7Match = { allowed: false, matched: [] };

/**
 * The pure matchers of src/policy, by request type. Rules are OR'ed across every set of the end (policies
 * and `toPorts` entries alike); an empty rule list allows everything.
 */
export const L7_MATCHERS: Record<L7Request['type'], L7Matcher> = {
  http(sets, req) {
    if (req.type !== 'http') return DENY;
    // The first allowing rule names the verdict; mismatch actions of every set that has them apply.
    const headerActions: HeaderAction[] = [];
    let first: { set: L7Rules; index: number } | undefined;
    for (const set of sets) {
      if (set.type !== 'http') continue;
      const m = matchHttpRules(set.http, req);
      if (!m) continue;
      headerActions.push(...m.headerActions);
      first ??= { set, index: m.index }; // -1: an empty rule list, which allows everything
    }
    if (!first) return DENY;
    return { allowed: true, matched: [first], ...(headerActions.length ? { headerActions } : {}) };
  },
  dns(sets, req) {
    if (req.type !== 'dns') return DENY;
    for (const set of sets) {
      if (set.type !== 'dns') continue;
      const index = matchDns(set.dns, req.query);
      if (index >= 0) return { allowed: true, matched: [{ set, index }] };
    }
    return DENY;
  },
  kafka(sets, req) {
    if (req.type !== 'kafka') return DENY;
    // One list over every set: several one-topic rules together may allow a multi-topic request.
    const all = sets.flatMap((set) =>
      set.type === 'kafka' ? set.kafka.map((rule, index) => ({ set, index, rule })) : [],
    );
    const m = matchKafka(
      all.map((x) => x.rule),
      req,
    );
    if (!m.allowed) return { allowed: false, matched: [], deniedTopics: m.deniedTopics };
    return { allowed: true, matched: m.matched.map((j) => ({ set: all[j]!.set, index: all[j]!.index })) };
  },
};

export interface JudgeInput {
  readonly source: SocketAddress;
  readonly destination: SocketAddress;
  /** IP protocol of the connection (6, or 17 for DNS over UDP). */
  readonly protocol: number;
}

interface SideVerdict {
  allowed: boolean;
  rules: L7RuleRef[];
  headerActions: HeaderAction[];
  deniedTopics?: readonly string[];
}

const policyName = (p: PolicyRef) => formatPolicyRef(p);
const uniqueRefs = (refs: L7RuleRef[]) => [
  ...new Map(refs.map((r) => [`${r.direction}|${r.policy}|${r.rule ?? ''}`, r])).values(),
];

function judgeSide(
  direction: Direction,
  s: SidePolicy,
  remote: Remote,
  protocol: number,
  port: number,
  req: L7Request,
  matchers: Record<L7Request['type'], L7Matcher>,
): SideVerdict {
  const d: Decision = s.policy.decide(remote, protocol, port);
  const policiesOf = (refs: readonly PolicyRef[]) =>
    uniqueRefs(refs.map((p) => ({ direction, policy: policyName(p) })));
  if (d.verdict === 'denied') {
    const refs = d.reason === 'policy-deny' ? d.entries.flatMap((e) => e.origins) : d.defaultDenyBy;
    return { allowed: false, rules: policiesOf(refs), headerActions: [] };
  }
  if (d.verdict === 'allowed') {
    // A peer an L4-only rule allows on this port passes every request.
    return { allowed: true, rules: policiesOf(d.entries.flatMap((e) => e.origins)), headerActions: [] };
  }
  const sets = (d.l7 ?? []).filter((r) => r.type === req.type);
  const m = matchers[req.type](sets, req);
  if (m.allowed) {
    const rules = m.matched.map((x): L7RuleRef => {
      const rule = x.index >= 0 ? formatL7RulePath(x.set, x.index) : undefined;
      return {
        direction,
        policy: x.set.origin ? policyName(x.set.origin) : 'unknown policy',
        ...(rule ? { rule } : {}),
      };
    });
    return { allowed: true, rules: uniqueRefs(rules), headerActions: [...(m.headerActions ?? [])] };
  }
  // Denied: name the policies whose L7 rules on this port it failed.
  const failed = (d.l7 ?? []).flatMap((r) => (r.origin ? [r.origin] : []));
  const refs = failed.length > 0 ? failed : d.entries.flatMap((e) => e.origins);
  return {
    allowed: false,
    rules: policiesOf(refs),
    headerActions: [],
    ...(m.deniedTopics ? { deniedTopics: m.deniedTopics } : {}),
  };
}

/** Judges with one view (enforced or audit) of both ends; undefined when neither end redirects this port. */
function judgeWith(
  policy: ProxyPolicy,
  view: 'enforced' | 'audit',
  c: JudgeInput,
  req: L7Request,
  matchers: Record<L7Request['type'], L7Matcher>,
): { verdict: SideVerdict; directions: Direction[] } | undefined {
  const out: SideVerdict = { allowed: true, rules: [], headerActions: [] };
  const directions: Direction[] = [];
  const src = policy.endpoint(c.source.address)?.[view]?.egress;
  const dst = policy.endpoint(c.destination.address)?.[view]?.ingress;
  const port = c.destination.port;
  const sides: Array<[Direction, SidePolicy | undefined, string]> = [
    ['egress', src, c.destination.address],
    ['ingress', dst, c.source.address],
  ];
  for (const [direction, s, remoteIp] of sides) {
    if (!s || !redirects(s, c.protocol, port)) continue;
    directions.push(direction);
    const v = judgeSide(direction, s, policy.remote(remoteIp), c.protocol, port, req, matchers);
    if (!v.allowed) return { verdict: v, directions };
    out.rules.push(...v.rules);
    out.headerActions.push(...v.headerActions);
  }
  return directions.length > 0 ? { verdict: out, directions } : undefined;
}

export interface JudgeResult extends L7Verdict {
  /** The ends whose policies judged the request (empty: none redirects this port any more). */
  readonly directions: readonly Direction[];
}

/**
 * Both redirecting ends must allow (rules are OR'ed within an end). A request the enforced policy
 * allows but the audit view (every policy, audit-mode ones included) denies is AUDIT: forwarded, naming
 * the audit-mode rules. When no end redirects this port any more (the policy changed under an open
 * connection), the request is forwarded: the kernel re-checks L3/L4 on every packet of the connection.
 */
export function judgeRequest(
  policy: ProxyPolicy,
  c: JudgeInput,
  req: L7Request,
  matchers: Record<L7Request['type'], L7Matcher> = L7_MATCHERS,
): JudgeResult {
  const enforced = judgeWith(policy, 'enforced', c, req, matchers);
  if (enforced && !enforced.verdict.allowed)
    return {
      verdict: 'DROPPED',
      rules: enforced.verdict.rules,
      directions: enforced.directions,
      ...(enforced.verdict.deniedTopics ? { deniedTopics: enforced.verdict.deniedTopics } : {}),
    };
  const audit = judgeWith(policy, 'audit', c, req, matchers);
  if (audit && !audit.verdict.allowed)
    return { verdict: 'AUDIT', rules: audit.verdict.rules, directions: audit.directions };
  // Redirected only for audit-mode L7 rules: the audit view's allow names the rules.
  const v = enforced?.verdict ?? audit?.verdict;
  return {
    verdict: 'FORWARDED',
    rules: v?.rules ?? [],
    directions: enforced?.directions ?? audit?.directions ?? [],
    ...(enforced && enforced.verdict.headerActions.length > 0
      ? { headerActions: enforced.verdict.headerActions }
      : {}),
  };
}
