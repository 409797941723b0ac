// `porin probe`: real connections from every pod to every pod, reported as `porin policy matrix` reports verdicts.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProbeOutcome, ProbeTarget } from './probe-worker.js';

export interface ProbePod {
  key: string;
  ip: string;
  netns: string;
}

export interface ProbeRow {
  from: string;
  to: string;
  port: number;
  protocol: string;
  /** `redirected`: the connection went to the L7 proxy (conntrack says so); with a request, its answer decides. */
  verdict: 'allowed' | 'denied' | 'redirected';
  loopback?: boolean;
  /** With a request: the HTTP status seen. */
  status?: number;
}

export interface ProbeOptions {
  timeoutMs?: number;
  parallel?: number;
  onProgress?: (done: number, total: number) => void;
  /** Send this HTTP request on TCP ports (the proxy's 403 "Access denied" is a denial). */
  http?: { method: string; path: string };
  /** Did this connection (source address and port → destination, protocol) go to the L7 proxy? */
  redirected?: (
    from: { ip: string; port: number },
    to: { ip: string; port: number },
    protocol: string,
  ) => boolean;
}

const WORKER = fileURLToPath(new URL('./probe-worker.js', import.meta.url));

function runWorker(netns: string, targets: ProbeTarget[], timeoutMs: number): Promise<ProbeOutcome[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, WORKER], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`probe in ${netns} failed (${code}): ${err.trim()}`));
      else resolve(JSON.parse(out) as ProbeOutcome[]);
    });
    child.stdin.end(JSON.stringify({ targets, timeoutMs }));
  });
}

export async function probeMatrix(
  pods: readonly ProbePod[],
  ports: readonly { port: number; protocol: 'TCP' | 'UDP' | 'SCTP' }[],
  opts: ProbeOptions = {},
): Promise<{ results: ProbeRow[] }> {
  const sorted = [...pods].sort((a, b) => (a.key < b.key ? -1 : 1));
  const rows: ProbeRow[][] = new Array(sorted.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < sorted.length) {
      const i = next++;
      const from = sorted[i]!;
      const targets: ProbeTarget[] = [];
      for (const to of sorted)
        for (const p of ports)
          targets.push({
            to: to.key,
            ip: to.ip,
            port: p.port,
            protocol: p.protocol,
            ...(opts.http && p.protocol === 'TCP' ? { http: opts.http } : {}),
          });
      const outcomes = await runWorker(from.netns, targets, opts.timeoutMs ?? 1000);
      const ipOf = new Map(sorted.map((p) => [p.key, p.ip]));
      rows[i] = outcomes.map((o) => {
        const viaProxy =
          o.ok &&
          o.localPort !== undefined &&
          opts.redirected?.(
            { ip: from.ip, port: o.localPort },
            { ip: ipOf.get(o.to) ?? '', port: o.port },
            o.protocol,
          ) === true;
        // With a request, a redirected TCP pair's verdict is the proxy's answer to it.
        const judged = opts.http !== undefined && o.protocol === 'TCP';
        const verdict: ProbeRow['verdict'] = !o.ok
          ? 'denied'
          : viaProxy && !judged
            ? 'redirected'
            : 'allowed';
        return {
          from: from.key,
          to: o.to,
          port: o.port,
          protocol: o.protocol,
          verdict,
          ...(o.status !== undefined ? { status: o.status } : {}),
          ...(o.to === from.key ? { loopback: true } : {}),
        };
      });
      opts.onProgress?.(++done, sorted.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.parallel ?? 4, sorted.length) }, worker));
  return { results: rows.flat() };
}
