// Which Hubble flow metrics a flow counts into, and with which label values (pure; no prom-client here).
import type { Flow } from '../flow/flow.js';
import { MATCH_TYPE_NAMES, MESSAGE_TYPE, TRACE_POINTS } from '../flow/flow-enums.js';

/** Hubble's FlowProtocol: L7 protocol if any, else L4. */
export function flowProtocol(f: Flow): string {
  if (f.l7) {
    if (f.l7.dns) return 'DNS';
    if (f.l7.http) return 'HTTP';
    if (f.l7.kafka) return 'Kafka';
    return 'Unknown L7';
  }
  if (f.l4) {
    if (f.l4.TCP) return 'TCP';
    if (f.l4.UDP) return 'UDP';
    if (f.l4.ICMPv4) return 'ICMPv4';
    if (f.l4.ICMPv6) return 'ICMPv6';
    if (f.l4.SCTP) return 'SCTP';
    return 'Unknown L4';
  }
  return 'Unknown flow';
}

/** hubble_flows_processed_total{type, subtype, verdict} (+ Porin's protocol). */
export function flowsProcessedLabels(f: Flow): {
  type: string;
  subtype: string;
  verdict: string;
  protocol: string;
} {
  const et = f.event_type?.type ?? 0;
  let type: string;
  let subtype = '';
  switch (et) {
    case MESSAGE_TYPE.l7:
      type = 'L7';
      subtype = f.l7?.dns ? 'DNS' : f.l7?.http ? 'HTTP' : f.l7?.kafka ? 'Kafka' : '';
      break;
    case MESSAGE_TYPE.drop:
      type = 'Drop';
      break;
    case MESSAGE_TYPE.capture:
      type = 'Capture';
      break;
    case MESSAGE_TYPE.trace:
      type = 'Trace';
      subtype = TRACE_POINTS.find((p) => p.subType === (f.event_type?.sub_type ?? 0))?.name ?? '';
      break;
    case MESSAGE_TYPE['policy-verdict']:
      type = 'PolicyVerdict';
      break;
    default:
      type = 'Unknown';
      subtype = String(et);
  }
  return { type, subtype, verdict: f.verdict ?? 'VERDICT_UNKNOWN', protocol: flowProtocol(f) };
}

/** hubble_drop_total{reason, protocol}, for dropped flows. */
export function dropLabels(f: Flow): { reason: string; protocol: string } | undefined {
  if (f.verdict !== 'DROPPED') return undefined;
  return { reason: f.drop_reason_desc ?? 'DROP_REASON_UNKNOWN', protocol: flowProtocol(f) };
}

/** hubble_policy_verdicts_total{direction, match, action}: policy-verdict events (and L7), host-sourced ones left out. */
export function policyVerdictLabels(
  f: Flow,
): { direction: string; match: string; action: string } | undefined {
  const et = f.event_type?.type;
  let match: string;
  if (et === MESSAGE_TYPE['policy-verdict']) {
    match = (MATCH_TYPE_NAMES[f.policy_match_type ?? 0] ?? 'unknown').toLowerCase();
  } else if (et === MESSAGE_TYPE.l7 && f.l7) {
    match = `l7/${f.l7.http ? 'http' : f.l7.dns ? 'dns' : f.l7.kafka ? 'kafka' : 'unknown'}`;
  } else return undefined;
  if (f.traffic_direction === 'EGRESS' && f.source?.identity === 1) return undefined;
  return {
    direction: (f.traffic_direction ?? 'TRAFFIC_DIRECTION_UNKNOWN').toLowerCase(),
    match,
    action: (f.verdict ?? 'VERDICT_UNKNOWN').toLowerCase(),
  };
}

/**
 * Packet-level metrics (TCP flags, port distribution) count trace and drop events only: a policy
 * verdict repeats the first packet of a connection that a trace event also reports.
 */
function packetEvent(f: Flow): boolean {
  const et = f.event_type?.type;
  return et === MESSAGE_TYPE.trace || et === MESSAGE_TYPE.drop;
}

/** hubble_tcp_flags_total{flag, family}: SYN, SYN-ACK, FIN, RST. */
export function tcpFlagLabels(f: Flow): { flag: string; family: string }[] {
  const flags = f.l4?.TCP?.flags;
  if (!flags || !packetEvent(f)) return [];
  const family = f.IP?.ipVersion ?? 'IP_NOT_USED';
  const out: { flag: string; family: string }[] = [];
  if (flags.SYN) out.push({ flag: flags.ACK ? 'SYN-ACK' : 'SYN', family });
  if (flags.FIN) out.push({ flag: 'FIN', family });
  if (flags.RST) out.push({ flag: 'RST', family });
  return out;
}

/** hubble_port_distribution_total{port, protocol}: forwarded, non-reply packets by destination port. */
export function portDistributionLabels(f: Flow): { port: string; protocol: string } | undefined {
  if (f.verdict !== 'FORWARDED' || f.is_reply === true || !packetEvent(f)) return undefined;
  const p = f.l4?.TCP ?? f.l4?.UDP ?? f.l4?.SCTP;
  if (!p) return undefined;
  return { port: String(p.destination_port ?? 0), protocol: flowProtocol(f) };
}

/**
 * Hubble's httpV2 metrics for one flow: only HTTP RESPONSE flows count (method, protocol, status,
 * reporter = client for a flow seen on egress, server on ingress); the latency, when known, is observed.
 */
export function httpLabels(f: Flow):
  | {
      requests: { method: string; protocol: string; status: string; reporter: string };
      duration: { method: string; reporter: string };
      seconds?: number;
    }
  | undefined {
  const l7 = f.l7;
  if (!l7?.http || l7.type !== 'RESPONSE') return undefined;
  const reporter =
    f.traffic_direction === 'EGRESS' ? 'client' : f.traffic_direction === 'INGRESS' ? 'server' : 'unknown';
  const method = l7.http.method ?? '';
  const out: ReturnType<typeof httpLabels> = {
    requests: { method, protocol: l7.http.protocol ?? '', status: String(l7.http.code ?? 0), reporter },
    duration: { method, reporter },
  };
  if (l7.latency_ns !== undefined) out.seconds = Number(l7.latency_ns) / 1e9;
  return out;
}
