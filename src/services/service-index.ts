// Which service an address:port belongs to, as a frontend or as a backend (for Hubble's service fields).
import { type Frontend, type ServiceName, serviceKey } from './frontend.js';
import { allBackends } from './service-frontends.js';

/**
 * Flows are seen on pod veths after the socket LB translated them, so a flow to a service carries a
 * backend's address: a lookup tries frontends first (node ports, packets from outside), then backends.
 * A backend several services share resolves to the first of them by namespace/name, so the answer does
 * not depend on the order services were learnt.
 */
export class ServiceIndex {
  private readonly frontends = new Map<string, ServiceName>();
  private readonly backends = new Map<string, ServiceName[]>();
  private readonly byService = new Map<string, readonly Frontend[]>();

  set(service: string, frontends: readonly Frontend[]): void {
    this.remove(service);
    if (frontends.length === 0) return;
    this.byService.set(service, frontends);
    for (const f of frontends) {
      this.frontends.set(`${f.address}:${f.port}`, f.service);
      for (const b of allBackends(f)) {
        const k = `${b.address}:${b.port}`;
        const list = this.backends.get(k) ?? [];
        if (!list.some((s) => serviceKey(s) === service)) {
          list.push(f.service);
          list.sort((a, c) => (serviceKey(a) < serviceKey(c) ? -1 : 1));
        }
        this.backends.set(k, list);
      }
    }
  }

  remove(service: string): void {
    const old = this.byService.get(service);
    if (!old) return;
    this.byService.delete(service);
    for (const f of old) {
      const fk = `${f.address}:${f.port}`;
      if (this.frontends.get(fk) && serviceKey(this.frontends.get(fk)!) === service)
        this.frontends.delete(fk);
      for (const b of allBackends(f)) {
        const k = `${b.address}:${b.port}`;
        const list = (this.backends.get(k) ?? []).filter((s) => serviceKey(s) !== service);
        if (list.length > 0) this.backends.set(k, list);
        else this.backends.delete(k);
      }
    }
  }

  lookup(address: string, port: number): ServiceName | undefined {
    return this.frontends.get(`${address}:${port}`) ?? this.backends.get(`${address}:${port}`)?.[0];
  }

  /** Every service's frontends (for listings). */
  services(): ReadonlyMap<string, readonly Frontend[]> {
    return this.byService;
  }
}
