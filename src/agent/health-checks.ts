// `porin status`: each component's health from a real check of what it serves, never an assumed "ok".

import dgram from 'node:dgram';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import dnsPacket from 'dns-packet';
import type { ObjectStore } from '../cluster/store/index.js';
import type { EndpointManager } from '../endpoints/index.js';

export interface ComponentHealth {
  name: string;
  ok: boolean;
  message: string;
}

export type HealthCheck = () => Promise<ComponentHealth>;

/** Runs every check concurrently; a check that throws is a failed component, with the error as message. */
export async function runHealthChecks(
  checks: ReadonlyArray<[string, HealthCheck]>,
): Promise<ComponentHealth[]> {
  return await Promise.all(
    checks.map(([name, check]) =>
      check().catch((e: unknown) => ({ name, ok: false, message: `check failed: ${(e as Error).message}` })),
    ),
  );
}

/** The store answers a read. */
export function storeCheck(store: ObjectStore, where: string): HealthCheck {
  return async () => {
    const t0 = performance.now();
    const list = await store.list('Namespace');
    return {
      name: 'store',
      ok: true,
      message: `${where}: revision ${list.resourceVersion}, read in ${(performance.now() - t0).toFixed(1)} ms`,
    };
  };
}

/** The cluster DNS server answers a real query for the kube-dns Service over UDP, in time. */
export function dnsCheck(address: string, zone: string, timeoutMs = 1000): HealthCheck {
  const name = `kube-dns.kube-system.svc.${zone}`;
  return () =>
    new Promise((resolve) => {
      const socket = dgram.createSocket('udp4');
      const id = Math.floor(Math.random() * 65535);
      const t0 = performance.now();
      const done = (ok: boolean, message: string) => {
        clearTimeout(timer);
        socket.close();
        resolve({ name: 'cluster-dns', ok, message: `${address}:53 ${message}` });
      };
      const timer = setTimeout(() => done(false, `no answer to ${name} within ${timeoutMs} ms`), timeoutMs);
      socket.on('error', (e) => done(false, `query failed: ${e.message}`));
      socket.on('message', (msg) => {
        try {
          const res = dnsPacket.decode(msg);
          if (res.id !== id) return;
          const rcode = (res as { rcode?: string }).rcode;
          const a = res.answers?.find((x) => x.type === 'A') as { data?: unknown } | undefined;
          if (rcode === 'NOERROR' && a)
            done(true, `answers (${name} → ${String(a.data)} in ${(performance.now() - t0).toFixed(1)} ms)`);
          else done(false, `answered ${rcode ?? '?'} for ${name}`);
        } catch (e) {
          done(false, `malformed answer: ${(e as Error).message}`);
        }
      });
      const query = dnsPacket.encode({
        type: 'query',
        id,
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ type: 'A', name }],
      });
      socket.send(query, 53, address);
    });
}

/**
 * The network plugin answers CNI STATUS run through the chain exactly as the runtime runs ADD (the thin
 * plugin binary → the agent's CNI server → IPAM), so a missing binary, a dead server or a full IPAM shows.
 */
export function cniCheck(
  pluginPath: string,
  status: () => Promise<void>,
  sandboxes: () => number,
): HealthCheck {
  return async () => {
    try {
      accessSync(pluginPath, constants.X_OK);
    } catch {
      return { name: 'cni', ok: false, message: `plugin ${pluginPath} is missing or not executable` };
    }
    try {
      await status();
    } catch (e) {
      return { name: 'cni', ok: false, message: `CNI STATUS failed: ${(e as Error).message}` };
    }
    return {
      name: 'cni',
      ok: true,
      message: `porin plugin ${pluginPath} answers STATUS, ${sandboxes()} sandbox(es)`,
    };
  };
}

/** The load balancer's hooks are attached (asked of the kernel) and its maps hold what it wrote. */
export function lbCheck(lb: () => { health(): ComponentHealth } | undefined): HealthCheck {
  return async () =>
    lb()?.health() ?? {
      name: 'load-balancer',
      ok: false,
      message: 'disabled with the datapath (PORIN_DATAPATH=off): services are not load balanced',
    };
}

/** The maps are pinned and every endpoint's veth still runs Porin's programs (asked of the kernel). */
export function datapathCheck(
  pinDir: string,
  endpoints: EndpointManager | undefined,
  extra: () => string,
): HealthCheck {
  return async () => {
    if (!endpoints)
      return {
        name: 'datapath',
        ok: false,
        message: 'disabled (PORIN_DATAPATH=off): policy is not enforced',
      };
    const pins = existsSync(pinDir) ? readdirSync(pinDir).length : 0;
    const problems = endpoints.attachmentProblems();
    const n = endpoints.list().length;
    if (pins === 0) return { name: 'datapath', ok: false, message: `no maps pinned at ${pinDir}` };
    if (problems.length > 0)
      return {
        name: 'datapath',
        ok: false,
        message: `${problems.length} of ${n} endpoint(s) not enforced: ${problems.map((p) => `${p.key}: ${p.error}`).join('; ')}`,
      };
    return {
      name: 'datapath',
      ok: true,
      message: `eBPF tc programs on ${n} endpoint(s), ${pins} maps pinned at ${pinDir}${extra()}`,
    };
  };
}

/** Every local endpoint's computed policy is in the kernel, up to the newest revision. */
export function policyCheck(
  applied: () => number,
  failing: () => ReadonlyArray<{ key: string; error: string; cause: string }>,
  notices: () => readonly string[] = () => [],
): HealthCheck {
  return async () => {
    const f = failing();
    const n = notices();
    if (f.length === 0)
      return {
        name: 'policy',
        ok: true,
        message: `enforced up to store revision ${applied()}${n.length ? `; note: ${n.join('; ')}` : ''}`,
      };
    return {
      name: 'policy',
      ok: false,
      message: `${f.length} endpoint(s) keep their previous policy (enforced up to revision ${applied()}): ${f
        .map((x) => `${x.key} after ${x.cause}: ${x.error}`)
        .join('; ')}`,
    };
  };
}
