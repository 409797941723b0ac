// The pod datapath (bpf/lxc.bpf.c) loaded once per node: its programs, typed maps and event reader.
import { fileURLToPath } from 'node:url';
import type { BpfMap, BpfPerCpuMap } from './bpf-map.js';
import { type BpfObject, type BpfProgram, loadObject, type OpenOptions } from './bpf-object.js';
import { u64 } from './codec.js';
import { CONFIG_SECTION, CONFIG_VARIABLE, type PorinConfig, PorinConfigCodec } from './maps/config.js';
import { CONNTRACK_MAP, type CtEntry, CtEntryCodec, type CtKey, CtKeyCodec } from './maps/conntrack.js';
import {
  ENDPOINTS_BY_ADDR_MAP,
  ENDPOINTS_MAP,
  type EndpointAddrKey,
  EndpointAddrKeyCodec,
  type EndpointInfo,
  EndpointInfoCodec,
  EndpointKeyCodec,
} from './maps/endpoints.js';
import { type DatapathEvent, decodeEvent, EVENTS_MAP } from './maps/events.js';
import {
  IPCACHE_MAP,
  type IpcacheKey,
  IpcacheKeyCodec,
  type IpcacheValue,
  IpcacheValueCodec,
} from './maps/ipcache.js';
import {
  EVENTS_LOST_MAP,
  METRICS_MAP,
  MetricsKeyCodec,
  type MetricsValue,
  MetricsValueCodec,
  metricsIndex,
} from './maps/metrics.js';
import {
  POLICY_MAP,
  PolicyKeyCodec,
  type PolicyMapKey,
  type PolicyMapValue,
  PolicyValueCodec,
} from './maps/policy.js';
import {
  POLICY_ADDR_MAP,
  type PolicyAddrKey,
  PolicyAddrKeyCodec,
  type PolicyAddrValue,
  PolicyAddrValueCodec,
} from './maps/policy-addr.js';
import {
  POLICY_CONFIG_MAP,
  PolicyConfigCodec,
  PolicyConfigKeyCodec,
  type PolicyConfigValue,
} from './maps/policy-config.js';
import {
  type ProxyOrigKey,
  ProxyOrigKeyCodec,
  type ProxyOrigValue,
  ProxyOrigValueCodec,
  UDP_ORIG_MAP,
} from './maps/proxy.js';
import type { PolicyMaps } from './policy-reconciler.js';
import { RingReader } from './ring-reader.js';
import { attachTc, type TcLink } from './tc-attach.js';

/** dist/bpf/lxc.bpf.o, next to this module's build output (dist/src/datapath). */
export function defaultLxcObjectPath(): string {
  return fileURLToPath(new URL('../../bpf/lxc.bpf.o', import.meta.url));
}

export const PROGRAM_FROM_CONTAINER = 'from_container';
export const PROGRAM_TO_CONTAINER = 'to_container';
export const PROGRAM_PROXY_INGRESS = 'proxy_ingress';

export interface LxcDatapathOptions extends OpenOptions {
  objectPath?: string;
  /** Load-time tunables (conntrack timeouts, report interval, world identity); defaults are the C ones. */
  config?: Partial<PorinConfig>;
}

export interface LxcMaps {
  policy: BpfMap<PolicyMapKey, PolicyMapValue>;
  policyAddr: BpfMap<PolicyAddrKey, PolicyAddrValue>;
  policyConfig: BpfMap<number, PolicyConfigValue>;
  ipcache: BpfMap<IpcacheKey, IpcacheValue>;
  endpoints: BpfMap<number, EndpointInfo>;
  endpointsByAddr: BpfMap<EndpointAddrKey, EndpointInfo>;
  udpOrig: BpfMap<ProxyOrigKey, ProxyOrigValue>;
  conntrack: BpfMap<CtKey, CtEntry>;
  metrics: BpfPerCpuMap<number, MetricsValue>;
  eventsLost: BpfPerCpuMap<number, bigint>;
}

export interface EndpointLinks extends Disposable {
  /** from_container on tc ingress of the host-side veth (packets leaving the pod). */
  fromContainer: TcLink;
  /** to_container on tc egress of the host-side veth (packets entering the pod). */
  toContainer: TcLink;
}

export class LxcDatapath implements Disposable {
  readonly maps: LxcMaps;
  readonly fromContainer: BpfProgram;
  readonly toContainer: BpfProgram;
  /** tc ingress of the proxy device (src/host/proxy-routing.ts): assigns redirected packets to the proxy. */
  readonly proxyIngress: BpfProgram;

  private constructor(
    readonly object: BpfObject,
    readonly config: PorinConfig,
  ) {
    const o = object;
    this.maps = {
      policy: o.map(POLICY_MAP, PolicyKeyCodec, PolicyValueCodec),
      policyAddr: o.map(POLICY_ADDR_MAP, PolicyAddrKeyCodec, PolicyAddrValueCodec),
      policyConfig: o.map(POLICY_CONFIG_MAP, PolicyConfigKeyCodec, PolicyConfigCodec),
      ipcache: o.map(IPCACHE_MAP, IpcacheKeyCodec, IpcacheValueCodec),
      endpoints: o.map(ENDPOINTS_MAP, EndpointKeyCodec, EndpointInfoCodec),
      endpointsByAddr: o.map(ENDPOINTS_BY_ADDR_MAP, EndpointAddrKeyCodec, EndpointInfoCodec),
      udpOrig: o.map(UDP_ORIG_MAP, ProxyOrigKeyCodec, ProxyOrigValueCodec),
      conntrack: o.map(CONNTRACK_MAP, CtKeyCodec, CtEntryCodec),
      metrics: o.perCpuMap(METRICS_MAP, MetricsKeyCodec, MetricsValueCodec),
      eventsLost: o.perCpuMap(EVENTS_LOST_MAP, MetricsKeyCodec, u64),
    };
    this.fromContainer = o.program(PROGRAM_FROM_CONTAINER);
    this.toContainer = o.program(PROGRAM_TO_CONTAINER);
    this.proxyIngress = o.program(PROGRAM_PROXY_INGRESS);
  }

  /** Opens, configures and loads the object (one per node); throws VerifierError with the log's tail. */
  static load(opts: LxcDatapathOptions = {}): LxcDatapath {
    const object = loadObject(opts.objectPath ?? defaultLxcObjectPath(), {
      ...opts,
      config: {
        section: CONFIG_SECTION,
        variable: CONFIG_VARIABLE,
        codec: PorinConfigCodec,
        values: opts.config ?? {},
      },
    });
    try {
      return new LxcDatapath(object, object.readGlobal(CONFIG_SECTION, CONFIG_VARIABLE, PorinConfigCodec));
    } catch (e) {
      object.close();
      throw e;
    }
  }

  /** The maps the policy reconciler owns. */
  policyMaps(): PolicyMaps {
    return { policy: this.maps.policy, addr: this.maps.policyAddr, config: this.maps.policyConfig };
  }

  /** Attaches both programs to a pod's host-side veth (replacing earlier ones in the same slots). */
  attachEndpoint(ifindex: number): EndpointLinks {
    const fromContainer = attachTc(this.fromContainer, { ifindex, direction: 'ingress' });
    let toContainer: TcLink;
    try {
      toContainer = attachTc(this.toContainer, { ifindex, direction: 'egress' });
    } catch (e) {
      fromContainer.detach();
      throw e;
    }
    return {
      fromContainer,
      toContainer,
      [Symbol.dispose]() {
        toContainer.detach();
        fromContainer.detach();
      },
    };
  }

  /** Attaches proxy_ingress to tc ingress of the proxy device (replacing an earlier one). */
  attachProxyDevice(ifindex: number): TcLink {
    return attachTc(this.proxyIngress, { ifindex, direction: 'ingress' });
  }

  /** A reader of porin_events; call start() to receive events from the event loop, or poll(). */
  eventReader(onEvent: (e: DatapathEvent) => void): RingReader<DatapathEvent> {
    return new RingReader(this.object.mapFd(EVENTS_MAP), decodeEvent, onEvent);
  }

  /** Packets/bytes per direction and reason (0 = forwarded), summed over CPUs; zero rows left out. */
  metrics(): Array<{ direction: 'ingress' | 'egress'; reason: number; packets: bigint; bytes: bigint }> {
    const out: Array<{ direction: 'ingress' | 'egress'; reason: number; packets: bigint; bytes: bigint }> =
      [];
    for (const [d, direction] of [[0, 'ingress'] as const, [1, 'egress'] as const]) {
      for (let reason = 0; reason < 256; reason++) {
        const per = this.maps.metrics.get(metricsIndex(d, reason)) ?? [];
        const packets = per.reduce((a, v) => a + v.packets, 0n);
        if (packets === 0n) continue;
        out.push({ direction, reason, packets, bytes: per.reduce((a, v) => a + v.bytes, 0n) });
      }
    }
    return out;
  }

  /** Events the datapath could not put on the ring (reader too slow), summed over CPUs. */
  eventsLost(): bigint {
    return (this.maps.eventsLost.get(0) ?? []).reduce((a, v) => a + v, 0n);
  }

  close(): void {
    this.object.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
