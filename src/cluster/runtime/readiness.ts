// Readiness: a pod is ready when every declared TCP port accepts a connection from the host.
import { connect } from 'node:net';

/** `localAddress`: the node's address, so the pod sees the probe come from the host identity (allow-localhost). */
export function tcpAnswers(
  host: string,
  port: number,
  timeoutMs = 500,
  localAddress?: string,
): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export async function waitReady(
  host: string,
  ports: number[],
  timeoutMs: number,
  localAddress?: string,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    while (!(await tcpAnswers(host, port, 500, localAddress))) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return true;
}
