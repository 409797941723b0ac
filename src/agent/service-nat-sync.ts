// Keeps the ClusterIP NAT rules equal to the Services and their ready EndpointSlice endpoints.
import { type ServiceNatRule, syncServiceNat } from '../host/index.js';
import type { EndpointSlice, Service } from '../resources/index.js';

export function serviceNatRules(
  services: readonly Service[],
  slices: readonly EndpointSlice[],
  skipIPs: ReadonlySet<string>,
): ServiceNatRule[] {
  const rules: ServiceNatRule[] = [];
  for (const svc of services) {
    const ip = svc.spec.clusterIP;
    if (!ip || ip === 'None' || skipIPs.has(ip)) continue;
    const ns = svc.metadata.namespace ?? 'default';
    const mine = slices.filter(
      (s) =>
        (s.metadata.namespace ?? 'default') === ns &&
        s.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name,
    );
    for (const p of svc.spec.ports ?? []) {
      const protocol = p.protocol ?? 'TCP';
      const backends: { ip: string; port: number }[] = [];
      for (const sl of mine) {
        const sp = (sl.ports ?? []).find(
          (x) => (x.name ?? '') === (p.name ?? '') && (x.protocol ?? 'TCP') === protocol,
        );
        const port = sp?.port ?? (typeof p.targetPort === 'number' ? p.targetPort : p.port);
        for (const e of sl.endpoints) {
          if (e.conditions?.ready === false) continue;
          for (const a of e.addresses) backends.push({ ip: a, port });
        }
      }
      rules.push({
        id: `${ns}/${svc.metadata.name}:${p.port}/${protocol}`,
        clusterIP: ip,
        port: p.port,
        protocol,
        backends,
      });
    }
  }
  return rules;
}

/** Debounces bursts of changes into one atomic rewrite of the NAT chains. */
export class ServiceNatSync {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly load: () => Promise<{ services: Service[]; slices: EndpointSlice[] }>,
    private readonly skipIPs: ReadonlySet<string>,
    private readonly log: (m: string) => void,
  ) {}

  trigger(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sync();
    }, 50);
  }

  async sync(): Promise<void> {
    try {
      const { services, slices } = await this.load();
      syncServiceNat(serviceNatRules(services, slices, this.skipIPs));
    } catch (e) {
      this.log(`service NAT: ${(e as Error).message}`);
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
