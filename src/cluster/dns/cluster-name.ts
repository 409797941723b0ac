// Kubernetes DNS names (the cluster DNS specification): building and parsing service, endpoint, SRV and pod names.
import ipaddr from 'ipaddr.js';
import { labelsBefore } from './dns-name.js';

export type ServiceProtocol = 'tcp' | 'udp' | 'sctp';

/** What a name under the cluster zone designates, by its shape alone (no lookup). */
export type ClusterName =
  | { kind: 'apex' }
  | { kind: 'namespace'; namespace: string }
  | { kind: 'service'; service: string; namespace: string }
  | { kind: 'endpoint'; endpoint: string; service: string; namespace: string }
  | { kind: 'srv'; port: string; protocol: string; service: string; namespace: string }
  | { kind: 'pod'; ip: string; namespace: string }
  | { kind: 'other' };

/** `<svc>.<ns>.svc.<zone>` */
export function serviceDomain(service: string, namespace: string, zone: string): string {
  return `${service}.${namespace}.svc.${zone}`;
}

/** `_<port>._<proto>.<svc>.<ns>.svc.<zone>` (port names and protocols lower-cased, as the DNS spec writes them). */
export function srvDomain(
  portName: string,
  protocol: string,
  service: string,
  namespace: string,
  zone: string,
): string {
  return `_${portName.toLowerCase()}._${protocol.toLowerCase()}.${serviceDomain(service, namespace, zone)}`;
}

/** `<a-b-c-d>.<ns>.pod.<zone>` */
export function podDomain(ip: string, namespace: string, zone: string): string {
  return `${dashedIp(ip)}.${namespace}.pod.${zone}`;
}

/** Parses a dotted-quad IPv4 or an IPv6 address (no shorthand IPv4 forms) into its canonical text. */
export function canonicalIp(ip: string): { family: 4 | 6; address: string; bytes: number[] } | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) {
    const a = ipaddr.IPv4.parse(ip);
    return { family: 4, address: a.toString(), bytes: a.toByteArray() };
  }
  if (ip.includes(':') && ipaddr.IPv6.isValid(ip)) {
    const a = ipaddr.IPv6.parse(ip);
    return { family: 6, address: a.toString(), bytes: a.toByteArray() };
  }
  return undefined;
}

/** An address as one DNS label: `10.244.0.5` → `10-244-0-5`, `2001:db8::1` → `2001-db8--1` (as CoreDNS writes it). */
export function dashedIp(ip: string): string {
  return (canonicalIp(ip)?.address ?? ip).replaceAll(/[.:]/g, '-');
}

/** The inverse of `dashedIp`; undefined when the label is not an address. */
export function ipFromDashed(label: string): string | undefined {
  if (/^\d{1,3}(-\d{1,3}){3}$/.test(label)) {
    const ip = label.replaceAll('-', '.');
    return canonicalIp(ip)?.address;
  }
  if (/^[0-9a-f-]+$/i.test(label) && label.includes('-')) {
    const ip = label.replaceAll('-', ':');
    return canonicalIp(ip)?.address;
  }
  return undefined;
}

/** The `in-addr.arpa` / `ip6.arpa` name of an address, for PTR records. */
export function reverseName(ip: string): string | undefined {
  const addr = canonicalIp(ip);
  if (!addr) return undefined;
  if (addr.family === 4) return `${addr.bytes.reverse().join('.')}.in-addr.arpa`;
  const nibbles = addr.bytes.flatMap((b) => [b >> 4, b & 15]).map((n) => n.toString(16));
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}

/**
 * Classifies a normalized name by shape. Undefined when the name is outside `zone`; `other` for names in the
 * zone that no Kubernetes record can have (their answer is NXDOMAIN unless a record was added by hand).
 */
export function parseClusterName(name: string, zone: string): ClusterName | undefined {
  const labels = labelsBefore(name, zone);
  if (labels === undefined) return undefined;
  if (labels.length === 0) return { kind: 'apex' };
  const kindLabel = labels.at(-1);
  const head = labels.slice(0, -1);
  if (kindLabel === 'svc') {
    const [a, b, c, d] = head;
    if (head.length === 1 && a) return { kind: 'namespace', namespace: a };
    if (head.length === 2 && a && b) return { kind: 'service', service: a, namespace: b };
    if (head.length === 3 && a && b && c) return { kind: 'endpoint', endpoint: a, service: b, namespace: c };
    if (head.length === 4 && a && b && c && d && a.startsWith('_') && b.startsWith('_') && a.length > 1) {
      return { kind: 'srv', port: a.slice(1), protocol: b.slice(1), service: c, namespace: d };
    }
    return { kind: 'other' };
  }
  if (kindLabel === 'pod') {
    const [a, b] = head;
    if (head.length === 1 && a) return { kind: 'namespace', namespace: a };
    const ip = head.length === 2 && a && b ? ipFromDashed(a) : undefined;
    if (ip && b) return { kind: 'pod', ip, namespace: b };
    return { kind: 'other' };
  }
  return { kind: 'other' };
}
