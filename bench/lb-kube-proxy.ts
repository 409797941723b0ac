// The nat table kube-proxy's iptables mode writes for ClusterIP services (KUBE-SERVICES → KUBE-SVC → KUBE-SEP).
import { createHash } from 'node:crypto';

export interface BenchService {
  name: string;
  vip: string;
  port: number;
  backends: Array<{ ip: string; port: number }>;
}

/** kube-proxy's chain names: a prefix and the first 16 base32 characters of a SHA-256 of the identity. */
function chain(prefix: string, id: string): string {
  const digest = createHash('sha256').update(id).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `${prefix}-${out}`;
}

/**
 * The whole nat table for `services`, for one `iptables-restore`: PREROUTING and OUTPUT jump to
 * KUBE-SERVICES, which has one rule per service port (matched linearly); each KUBE-SVC chain picks an
 * endpoint with `statistic --mode random --probability 1/n, 1/(n-1), …` and each KUBE-SEP chain DNATs.
 */
export function kubeProxyNatRules(services: readonly BenchService[]): string {
  const decl = [
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':KUBE-SERVICES - [0:0]',
  ];
  const rules = [
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  ];
  for (const s of services) {
    const svc = chain('KUBE-SVC', `${s.name}:http/TCP`);
    decl.push(`:${svc} - [0:0]`);
    rules.push(
      `-A KUBE-SERVICES -d ${s.vip}/32 -p tcp -m comment --comment "${s.name}:http cluster IP" -m tcp --dport ${s.port} -j ${svc}`,
    );
    s.backends.forEach((b, i) => {
      const sep = chain('KUBE-SEP', `${s.name}:http/TCP${b.ip}:${b.port}`);
      decl.push(`:${sep} - [0:0]`);
      const left = s.backends.length - i;
      const pick = left > 1 ? `-m statistic --mode random --probability ${(1 / left).toFixed(10)} ` : '';
      rules.push(`-A ${svc} -m comment --comment "${s.name}:http -> ${b.ip}:${b.port}" ${pick}-j ${sep}`);
      rules.push(
        `-A ${sep} -p tcp -m comment --comment "${s.name}:http" -m tcp -j DNAT --to-destination ${b.ip}:${b.port}`,
      );
    });
  }
  return ['*nat', ...decl, ...rules, 'COMMIT', ''].join('\n');
}
