// ClusterIP → backend translation with iptables NAT (kube-proxy style), until the eBPF load balancer exists.
import { createHash } from 'node:crypto';
import { runSync, succeeds } from './run-command.js';

export interface ServiceNatRule {
  /** `namespace/name:port/protocol`, for the chain name and comments. */
  id: string;
  clusterIP: string;
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  backends: { ip: string; port: number }[];
}

const ROOT = 'PORIN-SERVICES';

function chain(prefix: string, id: string): string {
  return `${prefix}-${createHash('sha256').update(id).digest('hex').slice(0, 12).toUpperCase()}`;
}

/** The whole nat-table content of Porin's chains, for one atomic `iptables-restore --noflush`. */
export function renderServiceNat(rules: readonly ServiceNatRule[]): string {
  const decl: string[] = [`:${ROOT} - [0:0]`];
  const body: string[] = [];
  for (const r of [...rules].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const proto = r.protocol.toLowerCase();
    const svc = chain('PORIN-SVC', r.id);
    decl.push(`:${svc} - [0:0]`);
    body.push(
      `-A ${ROOT} -d ${r.clusterIP}/32 -p ${proto} -m ${proto} --dport ${r.port} -m comment --comment "${r.id}" -j ${svc}`,
    );
    // No ready endpoints: no rule, so the packet meets the service CIDR's blackhole route (an error at once).
    if (r.backends.length === 0) continue;
    r.backends.forEach((b, i) => {
      const sep = chain('PORIN-SEP', `${r.id}>${b.ip}:${b.port}`);
      decl.push(`:${sep} - [0:0]`);
      const left = r.backends.length - i;
      const pick = left > 1 ? `-m statistic --mode random --probability ${(1 / left).toFixed(5)} ` : '';
      body.push(`-A ${svc} ${pick}-j ${sep}`);
      body.push(`-A ${sep} -p ${proto} -m ${proto} -j DNAT --to-destination ${b.ip}:${b.port}`);
    });
  }
  return ['*nat', ...decl, ...body, 'COMMIT', ''].join('\n');
}

function existingChains(): string[] {
  return runSync(['iptables-save', '-t', 'nat'], { allowFail: true })
    .split('\n')
    .filter((l) => l.startsWith(':PORIN-'))
    .map((l) => l.slice(1).split(' ')[0]!);
}

function ensureJumps(): void {
  for (const hook of ['PREROUTING', 'OUTPUT']) {
    if (!succeeds(['iptables', '-t', 'nat', '-C', hook, '-j', ROOT]))
      runSync(['iptables', '-t', 'nat', '-I', hook, '1', '-j', ROOT]);
  }
}

/** Replaces Porin's NAT chains with exactly `rules`, atomically; stale chains are deleted afterwards. */
export function syncServiceNat(rules: readonly ServiceNatRule[]): void {
  const before = existingChains();
  const text = renderServiceNat(rules);
  runSync(['iptables-restore', '--noflush'], { input: text });
  ensureJumps();
  const wanted = new Set([...text.matchAll(/^:(PORIN-[A-Z0-9-]+)/gm)].map((m) => m[1]!));
  const stale = before.filter((c) => !wanted.has(c));
  if (stale.length) {
    runSync(['iptables-restore', '--noflush'], {
      input: ['*nat', ...stale.map((c) => `-F ${c}`), ...stale.map((c) => `-X ${c}`), 'COMMIT', ''].join(
        '\n',
      ),
      allowFail: true,
    });
  }
}

/** Removes every Porin chain and the jumps into it. */
export function flushServiceNat(): void {
  for (const hook of ['PREROUTING', 'OUTPUT']) {
    while (succeeds(['iptables', '-t', 'nat', '-D', hook, '-j', ROOT])) {
      // one jump removed per call
    }
  }
  const chains = existingChains();
  if (chains.length === 0) return;
  runSync(['iptables-restore', '--noflush'], {
    input: ['*nat', ...chains.map((c) => `-F ${c}`), ...chains.map((c) => `-X ${c}`), 'COMMIT', ''].join(
      '\n',
    ),
    allowFail: true,
  });
}
