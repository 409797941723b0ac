// `porin status` checks of the FQDN layer and the world: what the kernel and the world's DNS server really hold.
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import type { WorldController } from '../cluster/world/index.js';
import type { IpcacheKey, IpcacheValue, KeyValueMap } from '../datapath/index.js';
import { WORLD_DNS_ADDRESS } from '../net/documentation-ranges.js';
import type { FqdnSync } from './fqdn-sync.js';
import type { ComponentHealth, HealthCheck } from './health-checks.js';

/** Every address with an FQDN identity is in the kernel's ipcache with that identity. */
export function fqdnCheck(
  fqdn: FqdnSync | undefined,
  ipcache: Pick<KeyValueMap<IpcacheKey, IpcacheValue>, 'get'> | undefined,
): HealthCheck {
  return async (): Promise<ComponentHealth> => {
    if (!fqdn) return { name: 'fqdn', ok: false, message: 'not started' };
    const base = fqdn.status().message;
    if (!ipcache) return { name: 'fqdn', ok: true, message: `${base} (no datapath: not enforced)` };
    const wrong: string[] = [];
    let checked = 0;
    for (const row of fqdn.manager.list()) {
      row.ips.forEach((ip, i) => {
        const id = row.identities[i] ?? 0;
        if (id === 0 || ip.includes(':')) return;
        checked++;
        const v = ipcache.get({ prefixlen: 32, addr: ip });
        if (v?.identity !== id)
          wrong.push(`${ip} (${row.fqdn}): kernel ${v?.identity ?? 'none'}, want ${id}`);
      });
    }
    return wrong.length === 0
      ? { name: 'fqdn', ok: true, message: `${base}; ${checked} address(es) checked in the kernel ipcache` }
      : { name: 'fqdn', ok: false, message: `kernel ipcache disagrees: ${wrong.slice(0, 3).join('; ')}` };
  };
}

/** The world server serves the store's generation and its DNS server answers a real query (NXDOMAIN for a made-up name). */
export function worldCheck(world: WorldController | undefined, timeoutMs = 1000): HealthCheck {
  return () =>
    new Promise((resolve) => {
      if (!world) {
        resolve({ name: 'world', ok: true, message: 'off (PORIN_WORLD=on enables it)' });
        return;
      }
      const state = world.status();
      if (!state.ok) {
        resolve({ name: 'world', ok: false, message: state.message });
        return;
      }
      const socket = dgram.createSocket('udp4');
      const id = Math.floor(Math.random() * 65535);
      const name = `porin-health-${id}.invalid`;
      const t0 = performance.now();
      const done = (ok: boolean, message: string) => {
        clearTimeout(timer);
        socket.close();
        resolve({ name: 'world', ok, message });
      };
      const timer = setTimeout(
        () => done(false, `the world's DNS ${WORLD_DNS_ADDRESS} did not answer within ${timeoutMs} ms`),
        timeoutMs,
      );
      socket.on('error', (e) => done(false, `query to ${WORLD_DNS_ADDRESS} failed: ${e.message}`));
      socket.on('message', (msg) => {
        try {
          const res = dnsPacket.decode(msg);
          if (res.id !== id) return;
          const rcode = (res as { rcode?: string }).rcode;
          if (rcode === 'NXDOMAIN')
            done(true, `${state.message}; DNS answering (${(performance.now() - t0).toFixed(1)} ms)`);
          else done(false, `the world's DNS answered ${rcode ?? '?'} for ${name}`);
        } catch (e) {
          done(false, `malformed answer from the world's DNS: ${(e as Error).message}`);
        }
      });
      socket.send(
        dnsPacket.encode({ type: 'query', id, questions: [{ type: 'A', name }] }),
        53,
        WORLD_DNS_ADDRESS,
      );
    });
}
