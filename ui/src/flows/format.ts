// How flows read in the UI: endpoint names, ports, verdicts, L7 summaries, times, and the verdict's explanation.
import type { Flow, FlowEndpoint, FlowPolicy } from '../api/types.js';

export function endpointName(ep: FlowEndpoint | undefined, ip: string | undefined): string {
  if (ep?.pod_name) return ep.namespace ? `${ep.namespace}/${ep.pod_name}` : ep.pod_name;
  const reserved = ep?.labels?.find((l) => l.startsWith('reserved:'))?.slice(9);
  if (reserved && reserved !== 'world') return reserved;
  return ip ?? reserved ?? '-';
}

export function workloadName(ep: FlowEndpoint | undefined): string {
  const w = ep?.workloads?.[0];
  return w?.name ? `${w.kind ?? ''} ${w.name}`.trim() : '';
}

export function l4Of(f: Flow): { proto: string; sport?: number; dport?: number } {
  const l4 = f.l4;
  if (l4?.TCP) return { proto: 'TCP', sport: l4.TCP.source_port ?? 0, dport: l4.TCP.destination_port ?? 0 };
  if (l4?.UDP) return { proto: 'UDP', sport: l4.UDP.source_port ?? 0, dport: l4.UDP.destination_port ?? 0 };
  if (l4?.SCTP)
    return { proto: 'SCTP', sport: l4.SCTP.source_port ?? 0, dport: l4.SCTP.destination_port ?? 0 };
  if (l4?.ICMPv4) return { proto: 'ICMPv4' };
  if (l4?.ICMPv6) return { proto: 'ICMPv6' };
  return { proto: '' };
}

export function destinationPort(f: Flow): string {
  const l = l4Of(f);
  return l.dport !== undefined ? `${l.dport}/${l.proto}` : l.proto;
}

export function tcpFlags(f: Flow): string {
  const flags = f.l4?.TCP?.flags;
  if (!flags) return '';
  return Object.entries(flags)
    .filter(([, v]) => v)
    .map(([k]) => k)
    .join(', ');
}

export function l7Summary(f: Flow): string {
  const l7 = f.l7;
  if (!l7) return '';
  if (l7.http) {
    const h = l7.http;
    return `${h.method ?? ''} ${h.url ?? ''}${h.code ? ` → ${h.code}` : ''}`.trim();
  }
  if (l7.dns) return `DNS ${l7.dns.query ?? ''}${l7.dns.rcode ? ` rcode ${l7.dns.rcode}` : ''}`;
  if (l7.kafka) return `Kafka ${l7.kafka.api_key ?? ''} ${l7.kafka.topic ?? ''}`.trim();
  return l7.type ?? '';
}

export function shortTime(t: string | undefined): string {
  if (!t) return '';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return t;
  const ms = t.match(/\.(\d{3})/)?.[1] ?? '000';
  return `${d.toLocaleDateString(undefined, { month: 'short', day: '2-digit' })} ${d.toLocaleTimeString(undefined, { hour12: false })}.${ms}`;
}

export function policyRef(p: FlowPolicy): string {
  return `${p.kind ?? 'Policy'} ${p.namespace ? `${p.namespace}/` : ''}${p.name ?? ''}`;
}

/** Every policy a flow names, with how: allowed by, denied by, default deny. */
export function flowPolicies(f: Flow): { how: string; side: 'ingress' | 'egress'; policy: FlowPolicy }[] {
  const out: { how: string; side: 'ingress' | 'egress'; policy: FlowPolicy }[] = [];
  const add = (list: FlowPolicy[] | undefined, how: string, side: 'ingress' | 'egress') => {
    for (const policy of list ?? []) out.push({ how, side, policy });
  };
  add(f.ingress_allowed_by, 'allowed by', 'ingress');
  add(f.egress_allowed_by, 'allowed by', 'egress');
  add(f.ingress_denied_by, 'denied by', 'ingress');
  add(f.egress_denied_by, 'denied by', 'egress');
  add(f.ingress_default_denied_by, 'default deny by', 'ingress');
  add(f.egress_default_denied_by, 'default deny by', 'egress');
  return out;
}

export function policyNames(f: Flow): string {
  return [...new Set(flowPolicies(f).map((p) => p.policy.name ?? ''))].join(', ');
}

/** The recorded verdict in a sentence: which rule allowed it, which deny matched, or who put the endpoint into default deny. */
export function explainFlow(f: Flow): string {
  const dst = endpointName(f.destination, f.IP?.destination);
  const src = endpointName(f.source, f.IP?.source);
  const ing = (l?: FlowPolicy[]) => (l ?? []).map(policyRef).join(', ');
  switch (f.verdict) {
    case 'FORWARDED':
    case 'REDIRECTED': {
      const parts: string[] = [];
      if (f.egress_allowed_by?.length) parts.push(`egress of ${src} allowed by ${ing(f.egress_allowed_by)}`);
      if (f.ingress_allowed_by?.length)
        parts.push(`ingress of ${dst} allowed by ${ing(f.ingress_allowed_by)}`);
      const how = f.verdict === 'REDIRECTED' ? 'Redirected to the L7 proxy' : 'Forwarded';
      if (parts.length) return `${how}: ${parts.join('; ')}.`;
      if (f.event_type?.type === 4) return `${how} (a trace of an established or allowed connection).`;
      return `${how}: no policy selects this endpoint for ${f.traffic_direction === 'EGRESS' ? 'egress' : 'ingress'} (default allow).`;
    }
    case 'DROPPED':
    case 'AUDIT': {
      const verb = f.verdict === 'AUDIT' ? 'Would have been dropped (audit mode)' : 'Dropped';
      if (f.ingress_denied_by?.length)
        return `${verb}: a deny rule of ${ing(f.ingress_denied_by)} matched on ingress of ${dst}.`;
      if (f.egress_denied_by?.length)
        return `${verb}: a deny rule of ${ing(f.egress_denied_by)} matched on egress of ${src}.`;
      if (f.ingress_default_denied_by?.length)
        return `${verb}: ${dst} is in default deny for ingress — selected by ${ing(f.ingress_default_denied_by)} — and no rule allows ${src} on ${destinationPort(f)}.`;
      if (f.egress_default_denied_by?.length)
        return `${verb}: ${src} is in default deny for egress — selected by ${ing(f.egress_default_denied_by)} — and no rule allows ${dst} on ${destinationPort(f)}.`;
      return `${verb}: ${f.drop_reason_desc ?? 'no reason recorded'}.`;
    }
    default:
      return f.verdict ?? 'unknown verdict';
  }
}
