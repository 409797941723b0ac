// The DNS proxy as the proxy process's handlers for parser type `dns`: handleDnsDatagram (UDP) and handleDnsStream (TCP).
import {
  createDnsProxy,
  type DnsConnection,
  type DnsDatagram,
  type DnsProxy,
  type DnsProxyOptions,
} from './dns-proxy.js';

let proxy: DnsProxy | undefined;

/**
 * Sets the process-wide DNS proxy's options (the FQDN sink — `new FqdnRelay({send: agentFqdnSender(socket)})` —,
 * the reject code, delays). Call before traffic arrives; without it answers are relayed without FQDN learning,
 * so `toFQDNs` allows nothing new (fail closed).
 */
export function configureDnsHandlers(o: Omit<DnsProxyOptions, 'judge' | 'emit'>): DnsProxy {
  proxy = createDnsProxy(o);
  return proxy;
}

function current(): DnsProxy {
  proxy ??= createDnsProxy({});
  return proxy;
}

/** L7DatagramHandler for DNS over UDP: never throws. */
export function handleDnsDatagram(d: DnsDatagram): void {
  current().handleDatagram(d);
}

/** L7Handler for DNS over TCP: never throws; closes the connection on a malformed message. */
export function handleDnsStream(c: DnsConnection): void {
  current().handleConnection(c);
}

export function dnsHandlerStats(): ReturnType<DnsProxy['stats']> {
  return current().stats();
}
