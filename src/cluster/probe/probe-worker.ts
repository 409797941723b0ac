// Runs inside a pod's network namespace: real TCP connects and UDP echoes to each target, results as JSON on stdout.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

export interface ProbeTarget {
  to: string;
  ip: string;
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
}

export interface ProbeOutcome {
  to: string;
  port: number;
  protocol: string;
  ok: boolean;
  error?: string;
  ms: number;
}

function probeTcp(t: ProbeTarget, timeoutMs: number): Promise<Omit<ProbeOutcome, 'ms'>> {
  return new Promise((resolve) => {
    const s = connect({ host: t.ip, port: t.port });
    const done = (ok: boolean, error?: string) => {
      s.destroy();
      resolve({ to: t.to, port: t.port, protocol: t.protocol, ok, ...(error ? { error } : {}) });
    };
    s.setTimeout(timeoutMs, () => done(false, 'timeout'));
    s.once('connect', () => done(true));
    s.once('error', (e: NodeJS.ErrnoException) => done(false, e.code ?? e.message));
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
    s.once('message', () => done(true));
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
          ? await probeTcp(t, timeoutMs)
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
