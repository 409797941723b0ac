// `policy matrix`: every pod to every pod on each port, as the probe of the embedded cluster reports it.
import type { Endpoint } from './endpoint.js';
import type { PolicyEngine } from './engine.js';
import type { HttpRequest } from './l7-match.js';
import type { L4Protocol } from './rule.js';
import { quickVerdict } from './trace.js';

export interface PortProtocol {
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
}

export interface MatrixRow {
  from: string;
  to: string;
  port: number;
  protocol: string;
  /** `redirected`: the L7 proxy judges each request (with a request given: the proxy's verdict on it). */
  verdict: 'allowed' | 'denied' | 'redirected';
  loopback?: boolean;
}

export interface MatrixResult {
  results: MatrixRow[];
}

/** Every declared container port (port, protocol) across the endpoints, sorted. */
export function declaredPorts(endpoints: readonly Pick<Endpoint, 'ports'>[]): PortProtocol[] {
  const seen = new Map<string, PortProtocol>();
  for (const ep of endpoints) {
    for (const p of ep.ports) {
      if (p.protocol === 'ICMP' || p.protocol === 'ICMPv6') continue;
      seen.set(`${p.port}/${p.protocol}`, { port: p.port, protocol: p.protocol });
    }
  }
  return [...seen.values()].sort(
    (a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0),
  );
}

export function policyMatrix(
  engine: PolicyEngine,
  opts: { ports?: PortProtocol[]; http?: HttpRequest } = {},
): MatrixResult {
  const eps = engine.listEndpoints();
  const ports = opts.ports ?? declaredPorts(eps);
  const results: MatrixRow[] = [];
  for (const from of eps) {
    for (const to of eps) {
      for (const p of ports) {
        const row: MatrixRow = {
          from: from.key,
          to: to.key,
          port: p.port,
          protocol: p.protocol,
          verdict: quickVerdict(engine, from, to, p.protocol as L4Protocol, p.port, opts.http),
        };
        if (from === to) row.loopback = true;
        results.push(row);
      }
    }
  }
  return { results };
}
