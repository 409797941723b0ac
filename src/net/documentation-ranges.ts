// The address ranges reserved for documentation (RFC 5737, RFC 3849): the only ones the embedded world may use.
import { type Family, type Prefix, parseIP, parsePrefix, prefixContainsAddr } from './cidr.js';

export const DOCUMENTATION_RANGES: readonly string[] = Object.freeze([
  '192.0.2.0/24',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '2001:db8::/32',
]);

const PREFIXES: readonly Prefix[] = DOCUMENTATION_RANGES.map((s) => {
  const r = parsePrefix(s);
  if (!r.ok) throw new Error(`bad built-in prefix ${s}`);
  return r.value;
});

export function documentationPrefixes(family?: Family): readonly Prefix[] {
  return family === undefined ? PREFIXES : PREFIXES.filter((p) => p.family === family);
}

/** True when `ip` parses and lies inside one of the documentation ranges (so it can never shadow a real host). */
export function isDocumentationAddress(ip: string): boolean {
  const r = parseIP(ip);
  return r.ok && PREFIXES.some((p) => prefixContainsAddr(p, r.value.family, r.value.addr));
}

/** The world's DNS server (authoritative for every ExternalHost name); no ExternalHost may claim it. */
export const WORLD_DNS_ADDRESS = '192.0.2.53';
