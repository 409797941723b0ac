// What the world serves, derived from the ExternalHost objects: DNS records, addresses, listeners (pure).
import { WORLD_DNS_ADDRESS } from '../../net/documentation-ranges.js';
import type { ExternalHost } from '../../resources/index.js';
import type { DnsRecord } from '../dns/index.js';

export const DEFAULT_WORLD_TTL = 60;

export interface WorldHost {
  readonly name: string;
  readonly hostnames: readonly string[];
  readonly addresses: readonly string[];
  readonly ports: readonly { readonly port: number; readonly protocol: 'TCP' | 'UDP' }[];
  readonly ttl: number;
}

/** The world server's whole configuration; `generation` lets the controller see when it was applied. */
export interface WorldServerConfig {
  readonly generation: number;
  readonly dnsAddress: string;
  readonly hosts: readonly WorldHost[];
}

export function worldConfig(hosts: readonly ExternalHost[], generation: number): WorldServerConfig {
  return {
    generation,
    dnsAddress: WORLD_DNS_ADDRESS,
    hosts: [...hosts]
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))
      .map((h) => ({
        name: h.metadata.name,
        hostnames: h.spec.hostnames,
        addresses: h.spec.addresses,
        ports: h.spec.ports,
        ttl: h.spec.ttl ?? DEFAULT_WORLD_TTL,
      })),
  };
}

/** A and AAAA records of every hostname (two hosts with one name answer both hosts' addresses). */
export function worldRecords(c: WorldServerConfig): DnsRecord[] {
  const out: DnsRecord[] = [];
  for (const h of c.hosts)
    for (const name of h.hostnames)
      for (const address of h.addresses)
        out.push({ name, type: address.includes(':') ? 'AAAA' : 'A', address, ttl: h.ttl });
  return out;
}

/** Every address the world namespace holds: the DNS server's and each host's. */
export function worldAddresses(c: WorldServerConfig): string[] {
  return [...new Set([c.dnsAddress, ...c.hosts.flatMap((h) => h.addresses)])];
}

export interface WorldListenerSpec {
  readonly address: string;
  readonly tcpPorts: number[];
  readonly udpPorts: number[];
  /** The ExternalHost answering there (the echo reports it as its pod name). */
  readonly host: string;
}

/** One echo server per address, with the union of the ports of the hosts that claim it. */
export function worldListeners(c: WorldServerConfig): WorldListenerSpec[] {
  const by = new Map<string, WorldListenerSpec>();
  for (const h of c.hosts) {
    for (const address of h.addresses) {
      const l = by.get(address) ?? { address, tcpPorts: [], udpPorts: [], host: h.name };
      for (const p of h.ports) {
        const list = p.protocol === 'TCP' ? l.tcpPorts : l.udpPorts;
        if (!list.includes(p.port)) list.push(p.port);
      }
      by.set(address, l);
    }
  }
  return [...by.values()].filter((l) => l.tcpPorts.length + l.udpPorts.length > 0);
}
