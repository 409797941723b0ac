// Recorded flow endpoints → a policy engine's endpoints and remotes (by pod name, else by label set; addresses by the ipcache).
import type { Endpoint as FlowEndpoint } from '../flow/flow.js';
import type { L4Name } from '../flow/flow-aggregate.js';
import type { Decision, Endpoint, PolicyEngine, Remote } from '../policy/index.js';
import { formatPolicyRef, formatRuleOrigin } from '../policy/index.js';
import type { ConnectionVerdict } from './insight-types.js';

export interface Party {
  /** The engine's endpoint when the flow's side is a pod. */
  endpoint?: Endpoint;
  remote: Remote;
  /** False when the flow names a pod the cluster no longer has (and no pod with its labels). */
  known: boolean;
}

export const PROTOCOL_NUMBERS: Record<L4Name, number> = { TCP: 6, UDP: 17, SCTP: 132, ICMPv4: 1, ICMPv6: 58 };

/** Looks up flow endpoints in one engine (build one per engine; the endpoint set is read once). */
export class PartyResolver {
  private readonly byLabels = new Map<string, Endpoint>();

  constructor(private readonly engine: PolicyEngine) {
    for (const ep of engine.listEndpoints()) {
      const k = ep.labels.toStrings().join(',');
      if (!this.byLabels.has(k)) this.byLabels.set(k, ep);
    }
  }

  resolve(ep: FlowEndpoint | undefined, ip: string | undefined): Party {
    if (ep?.pod_name && ep.namespace) {
      const found =
        this.engine.endpoint(`${ep.namespace}/${ep.pod_name}`) ??
        this.byLabels.get([...(ep.labels ?? [])].sort().join(','));
      if (!found) return { remote: { identity: ep.identity ?? 0 }, known: false };
      return { endpoint: found, remote: this.engine.remoteForEndpoint(found), known: true };
    }
    if (ip) {
      try {
        return { remote: this.engine.remoteForIP(ip), known: true };
      } catch {
        // not an address: fall through to the identity
      }
    }
    return { remote: { identity: ep?.identity ?? 0 }, known: true };
  }
}

export interface ConnectionDecision {
  verdict: ConnectionVerdict | 'unknown';
  egress?: Decision;
  ingress?: Decision;
  from?: Endpoint;
  to?: Endpoint;
}

/** The verdict of a connection: the source's egress and the destination's ingress must both allow it. */
export function decideConnection(
  engine: PolicyEngine,
  src: Party,
  dst: Party,
  protocol: number,
  port: number,
): ConnectionDecision {
  if (!src.known || !dst.known) return { verdict: 'unknown' };
  const base: ConnectionDecision = {
    verdict: 'allowed',
    ...(src.endpoint ? { from: src.endpoint } : {}),
    ...(dst.endpoint ? { to: dst.endpoint } : {}),
  };
  if (src.endpoint && src.endpoint === dst.endpoint) return base;
  if (src.endpoint) base.egress = engine.policyOf(src.endpoint.key).egress.decide(dst.remote, protocol, port);
  if (dst.endpoint)
    base.ingress = engine.policyOf(dst.endpoint.key).ingress.decide(src.remote, protocol, port);
  const sides = [base.egress, base.ingress];
  if (sides.some((d) => d?.verdict === 'denied')) base.verdict = 'denied';
  else if (sides.some((d) => d?.verdict === 'redirected')) base.verdict = 'redirected';
  return base;
}

function sideReason(d: Decision, side: 'egress' | 'ingress', who: string): string {
  const origins = [...new Set(d.entries.flatMap((e) => e.origins).map(formatRuleOrigin))];
  switch (d.reason) {
    case 'policy-deny':
      return `denied on ${side} of ${who} by ${origins.join(', ')}`;
    case 'policy-allow':
      return `allowed on ${side} of ${who} by ${origins.join(', ')}`;
    case 'l7-redirect':
      return `redirected to the L7 proxy on ${side} of ${who} by ${origins.join(', ')}`;
    case 'default-deny':
      return `denied on ${side} of ${who}: default deny (selected by ${d.defaultDenyBy.map(formatPolicyRef).join(', ')}) and no rule allows it`;
    case 'no-policy':
      return `allowed on ${side} of ${who}: no policy selects it for ${side}`;
    case 'not-default-deny':
      return `allowed on ${side} of ${who}: its policies opt out of default deny for ${side}`;
    case 'allow-localhost':
      return `allowed on ${side} of ${who}: the local host may always reach its pods`;
    case 'enforcement-never':
      return `allowed on ${side} of ${who}: policy enforcement is off`;
  }
}

/** The deciding side's explanation: a denying side if any, else both sides' allows. */
export function explainConnection(c: ConnectionDecision): string {
  if (c.verdict === 'unknown') return 'an endpoint of this flow no longer exists';
  const parts: string[] = [];
  const eg = c.egress && c.from ? sideReason(c.egress, 'egress', c.from.key) : undefined;
  const ing = c.ingress && c.to ? sideReason(c.ingress, 'ingress', c.to.key) : undefined;
  if (c.verdict === 'denied') {
    if (c.egress?.verdict === 'denied' && eg) parts.push(eg);
    if (c.ingress?.verdict === 'denied' && ing) parts.push(ing);
  } else {
    if (eg) parts.push(eg);
    if (ing) parts.push(ing);
  }
  if (parts.length === 0) return 'a pod talking to itself: policy does not apply';
  return parts.join('; ');
}
