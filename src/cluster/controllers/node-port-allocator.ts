// Which node ports a NodePort/LoadBalancer Service gets: its own if free, else random free ones in the range.
import { NODE_PORT_MAX, NODE_PORT_MIN, type Service, type ServicePort } from '../../resources/index.js';
import { ControllerError } from './controller-error.js';

export interface NodePortOptions {
  /** [min, max], default 30000-32767 (the apiserver's --service-node-port-range). */
  nodePortRange?: readonly [number, number];
  random?: () => number;
}

export interface NodePortDecision {
  ports: ServicePort[];
  /** Set when a requested port was taken by an older Service. */
  reason?: string;
}

/** NodePort services, and LoadBalancer ones unless `allocateLoadBalancerNodePorts: false`. */
export function needsNodePorts(svc: Service): boolean {
  return (
    svc.spec.type === 'NodePort' ||
    (svc.spec.type === 'LoadBalancer' && svc.spec.allocateLoadBalancerNodePorts !== false)
  );
}

function olderThan(a: Service, b: Service): boolean {
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta < tb;
  return `${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}`;
}

/**
 * The ports of `svc` with node ports filled in. A port number is one node port whatever the protocol
 * (as the apiserver allocates them); within one Service a TCP and a UDP port may share it. A port an
 * older Service holds is given up (the reason says which); services that need none keep none.
 */
export function decideNodePorts(
  svc: Service,
  others: readonly Service[],
  opts: NodePortOptions = {},
): NodePortDecision {
  const [min, max] = opts.nodePortRange ?? [NODE_PORT_MIN, NODE_PORT_MAX];
  const ports = (svc.spec.ports ?? []).map((p) => ({ ...p }));
  if (!needsNodePorts(svc)) {
    for (const p of ports) delete p.nodePort;
    return { ports };
  }
  const held = new Map<number, Service>();
  for (const o of others) {
    if (o.metadata.namespace === svc.metadata.namespace && o.metadata.name === svc.metadata.name) continue;
    if (!needsNodePorts(o)) continue;
    for (const p of o.spec.ports ?? []) if (p.nodePort) held.set(p.nodePort, o);
  }
  const mine = new Set<number>();
  let reason: string | undefined;
  for (const p of ports) {
    if (!p.nodePort) continue;
    const holder = held.get(p.nodePort);
    const outOfRange = p.nodePort < min || p.nodePort > max;
    if (!outOfRange && (!holder || olderThan(svc, holder))) {
      mine.add(p.nodePort);
      continue;
    }
    reason = outOfRange
      ? `node port ${p.nodePort} is outside ${min}-${max}`
      : `node port ${p.nodePort} is already allocated to Service ${holder!.metadata.namespace}/${holder!.metadata.name}`;
    delete p.nodePort;
  }
  const random = opts.random ?? Math.random;
  const span = max - min + 1;
  for (const p of ports) {
    if (p.nodePort) continue;
    // A TCP and a UDP port with the same number share one node port (DNS-style services).
    const twin = ports.find((q) => q !== p && q.port === p.port && q.nodePort && q.protocol !== p.protocol);
    if (twin?.nodePort) {
      p.nodePort = twin.nodePort;
      continue;
    }
    const start = Math.floor(random() * span) % span;
    let found: number | undefined;
    for (let i = 0; i < span && found === undefined; i++) {
      const n = min + ((start + i) % span);
      if (!held.has(n) && !mine.has(n)) found = n;
    }
    if (found === undefined)
      throw new ControllerError('PORIN_ERR_NODE_PORTS_EXHAUSTED', `no free node port left in ${min}-${max}`);
    p.nodePort = found;
    mine.add(found);
  }
  return reason ? { ports, reason } : { ports };
}
