// The packet-path load balancer (bpf/nodeport.bpf.c) on a node's external-facing devices.
import { fileURLToPath } from 'node:url';
import type { BpfMap } from './bpf-map.js';
import { type BpfObject, type BpfProgram, loadObject, type OpenOptions } from './bpf-object.js';
import { maglevSizing } from './lb-datapath.js';
import {
  LB_CONFIG_VARIABLE,
  LB_CT_MAP,
  LB_MAGLEV_LUT_SIZE,
  type Lb4CtEntry,
  Lb4CtEntryCodec,
  type Lb4CtKey,
  Lb4CtKeyCodec,
  LbConfigCodec,
  type LbDatapathConfig,
} from './maps/lb.js';
import { attachTc, type TcLink } from './tc-attach.js';

export function defaultNodePortObjectPath(): string {
  return fileURLToPath(new URL('../../bpf/nodeport.bpf.o', import.meta.url));
}

export const PROGRAM_NODEPORT_IN = 'nodeport_in';
export const PROGRAM_NODEPORT_OUT = 'nodeport_out';

/** tc filter slot of the LB programs: ahead of anything else a device may carry (priority 1 is lxc's). */
const TC_HANDLE = 0x4c42;
const TC_PRIORITY = 2;

export interface NodePortDatapathOptions extends OpenOptions {
  objectPath?: string;
  maglevTableSize?: number;
  config?: Partial<Omit<LbDatapathConfig, 'maglevTableSize'>>;
}

export interface DeviceLinks extends Disposable {
  ingress: TcLink;
  egress: TcLink;
}

/**
 * Loaded once per node. It shares the frontend, backend, Maglev and affinity maps with the socket LB:
 * pass `reuseMaps: sockLb.sharedMapFds()` (or the same pinDir) so both programs read one set.
 */
export class NodePortDatapath implements Disposable {
  readonly conntrack: BpfMap<Lb4CtKey, Lb4CtEntry>;
  readonly ingress: BpfProgram;
  readonly egress: BpfProgram;

  private constructor(
    readonly object: BpfObject,
    readonly config: LbDatapathConfig,
  ) {
    this.conntrack = object.map(LB_CT_MAP, Lb4CtKeyCodec, Lb4CtEntryCodec);
    this.ingress = object.program(PROGRAM_NODEPORT_IN);
    this.egress = object.program(PROGRAM_NODEPORT_OUT);
  }

  static load(opts: NodePortDatapathOptions = {}): NodePortDatapath {
    const m = opts.maglevTableSize ?? LB_MAGLEV_LUT_SIZE;
    const object = loadObject(opts.objectPath ?? defaultNodePortObjectPath(), {
      ...opts,
      ...maglevSizing(m),
      config: {
        section: '.rodata',
        variable: LB_CONFIG_VARIABLE,
        codec: LbConfigCodec,
        values: { ...(opts.config ?? {}), maglevTableSize: m },
      },
    });
    try {
      return new NodePortDatapath(object, object.readGlobal('.rodata', LB_CONFIG_VARIABLE, LbConfigCodec));
    } catch (e) {
      object.close();
      throw e;
    }
  }

  /** Attaches both programs to a device (call inside the device's network namespace, see inNetns). */
  attachDevice(ifindex: number): DeviceLinks {
    const slot = { handle: TC_HANDLE, priority: TC_PRIORITY };
    const ingress = attachTc(this.ingress, { ifindex, direction: 'ingress', ...slot });
    let egress: TcLink;
    try {
      egress = attachTc(this.egress, { ifindex, direction: 'egress', ...slot });
    } catch (e) {
      ingress.detach();
      throw e;
    }
    return {
      ingress,
      egress,
      [Symbol.dispose]() {
        egress.detach();
        ingress.detach();
      },
    };
  }

  close(): void {
    this.object.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
