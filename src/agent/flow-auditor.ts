// Per-policy audit mode: connections the datapath forwarded only because an audit-mode policy does not
// enforce become AUDIT flows naming the policy that would have dropped them.
import type { Flow, Policy } from '../flow/flow.js';
import { type PolicyEngine, type PolicyRef, PROTOCOL_NUMBER } from '../policy/index.js';

const POLICY_VERDICT = 5;

const ref = (p: PolicyRef): Policy => ({
  name: p.name,
  ...(p.namespace ? { namespace: p.namespace } : {}),
  kind: p.kind,
});

export class FlowAuditor {
  constructor(
    /** An engine holding every policy, audit-mode ones included (the enforcing engine leaves them out). */
    private readonly audit: PolicyEngine,
    /** Is this policy in audit mode? */
    private readonly auditMode: (p: PolicyRef) => boolean,
  ) {}

  /** Rewrites a forwarded policy-verdict flow to AUDIT when an audit-mode policy would have dropped it. */
  apply(flow: Flow): void {
    if (flow.verdict !== 'FORWARDED' || flow.event_type?.type !== POLICY_VERDICT) return;
    const ingress = flow.traffic_direction === 'INGRESS';
    const local = ingress ? flow.destination : flow.source;
    const remoteIP = ingress ? flow.IP?.source : flow.IP?.destination;
    if (!local?.namespace || !local.pod_name || !remoteIP) return;
    const key = `${local.namespace}/${local.pod_name}`;
    if (!this.audit.endpoint(key)) return;
    const l4 = flow.l4;
    const [protocol, port] = l4?.TCP
      ? [PROTOCOL_NUMBER.TCP, l4.TCP.destination_port ?? 0]
      : l4?.UDP
        ? [PROTOCOL_NUMBER.UDP, l4.UDP.destination_port ?? 0]
        : l4?.ICMPv4
          ? [PROTOCOL_NUMBER.ICMP, l4.ICMPv4.type ?? 0]
          : [0, 0];
    if (!protocol) return;
    const d = this.audit
      .policyOf(key)
      [ingress ? 'ingress' : 'egress'].decide(this.audit.remoteForIP(remoteIP), protocol, port);
    if (d.verdict !== 'denied') return;
    if (d.reason === 'policy-deny') {
      const by = [
        ...new Map(
          d.entries
            .flatMap((e) => e.origins)
            .filter(this.auditMode)
            .map((o) => [`${o.kind}/${o.namespace}/${o.name}`, o]),
        ).values(),
      ];
      if (by.length === 0) return;
      flow.verdict = 'AUDIT';
      flow[ingress ? 'ingress_denied_by' : 'egress_denied_by'] = by.map(ref);
    } else {
      const by = d.defaultDenyBy.filter(this.auditMode);
      if (by.length === 0 || by.length < d.defaultDenyBy.length) return;
      flow.verdict = 'AUDIT';
      flow[ingress ? 'ingress_default_denied_by' : 'egress_default_denied_by'] = by.map(ref);
    }
  }
}
