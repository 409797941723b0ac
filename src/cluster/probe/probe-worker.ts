// Runs inside a pod's network namespace: real TCP connects and UDP echoes to each target, results as JSON on stdout.
import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { connect } from 'node:net';

export interface ProbeTarget {
  to: string;
  ip: string;
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  /** TCP: send this HTTP request instead of only connecting. */
  http?: { method: string; path: string };
}

export interface ProbeOutcome {
  to: string;
  port: number;
  protocol: string;
  ok: boolean;
  error?: string;
  ms: number;
  /** TCP and UDP: the source port (to find the flow in conntrack). */
  localPort?: number;
  /** HTTP: the response status. */
  status?: number;
}

function probeTcp(t: ProbeTarget, timeoutMs: number): Promise<Omit<ProbeOutcome, 'ms'>> {
  return new Promise((resolve) => {
    const s = connect({ host: t.ip, port: t.port });
    const done = (ok: boolean, error?: string) => {
      s.destroy();
      resolve({ to: t.to, port: t.port, protocol: t.protocol, ok, ...(error ? { error } : {}) });
    };
    s.setTimeout(timeoutMs, () => done(false, 'timeout'));
    s.once('connect', () => {
      const localPort = s.localPort;
      s.destroy();
      resolve({
        to: t.to,
        port: t.port,
        protocol: t.protocol,
        ok: true,
        ...(localPort ? { localPort } : {}),
      });
    });
    s.once('error', (e: NodeJS.ErrnoException) => done(false, e.code ?? e.message));
  });
}

/** An HTTP request: the L7 proxy's denial (403 "Access denied") is a denial; any other answer is allowed. */
function probeHttp(t: ProbeTarget, timeoutMs: number): Promise<Omit<ProbeOutcome, 'ms'>> {
  return new Promise((resolve) => {
    let localPort: number | undefined;
    const base = { to: t.to, port: t.port, protocol: t.protocol };
    const req = request(
      {
        host: t.ip,
        port: t.port,
        method: t.http!.method,
        path: t.http!.path,
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (body.length < 1024) body += d;
        });
        res.on('end', () => {
          const denied = res.statusCode === 403 && body.includes('Access denied');
          resolve({
            ...base,
            ok: !denied,
            status: res.statusCode ?? 0,
            ...(denied ? { error: 'http 403 Access denied' } : {}),
            ...(localPort ? { localPort } : {}),
          });
        });
      },
    );
    req.on('socket', (s) => s.on('connect', () => (localPort = s.localPort)));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve({ ...base, ok: false, error: e.code ?? e.message }),
    );
    req.end();
  });
}

function probeUdp(t: ProbeTarget, timeoutMs: number): Promise<Omit<ProbeOutcome, 'ms'>> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => done(false, 'timeout'), timeoutMs);
    const done = (ok: boolean, error?: string) => {
      clearTimeout(timer);
      s.close();
      resolve({ to: t.to, port: t.port, protocol: t.protocol, ok, ...(error ? { error } : {}) });
    };
    s.once('message', () => {
      const localPort = s.address().port;
      clearTimeout(timer);
      s.close();
      resolve({ to: t.to, port: t.port, protocol: t.protocol, ok: true, localPort });
    });
    s.once('error', (e: NodeJS.ErrnoException) => done(false, e.code ?? e.message));
    s.send('hostname', t.port, t.ip);
  });
}

export async function probeAll(
  targets: ProbeTarget[],
  timeoutMs: number,
  concurrency = 32,
): Promise<ProbeOutcome[]> {
  const out: ProbeOutcome[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      const t = targets[i]!;
      const start = performance.now();
      const r =
        t.protocol === 'TCP'
          ? t.http
            ? await probeHttp(t, timeoutMs)
            : await probeTcp(t, timeoutMs)
          : t.protocol === 'UDP'
            ? await probeUdp(t, timeoutMs)
            : {
                to: t.to,
                port: t.port,
                protocol: t.protocol,
                ok: false,
                error: 'SCTP is not available on this kernel',
              };
      out[i] = { ...r, ms: Math.round(performance.now() - start) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  return out;
}

async function main(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const req = JSON.parse(input) as { targets: ProbeTarget[]; timeoutMs?: number };
  const results = await probeAll(req.targets, req.timeoutMs ?? 1000);
  process.stdout.write(JSON.stringify(results));
}

if (process.argv[1]?.endsWith('probe-worker.js')) void main();
