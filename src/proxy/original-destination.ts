// Where a redirected datagram was going: the datapath's record (porin_udp_orig), read from its pin.
import { BpfMap } from '../datapath/bpf-map.js';
import {
  type ProxyOrigKey,
  ProxyOrigKeyCodec,
  type ProxyOrigValue,
  ProxyOrigValueCodec,
  UDP_ORIG_MAP,
} from '../datapath/maps/proxy.js';
import type { SocketAddress } from './l7-handler.js';

const IPPROTO_UDP = 17;

export interface OriginalDestinations extends Disposable {
  /** The original destination of the last datagram `client` sent that was redirected to `proxyPort`. */
  originalDestination(client: SocketAddress, proxyPort: number): SocketAddress | undefined;
}

/** Opens `<pinDir>/porin_udp_orig`; the agent's datapath pins it there. */
export function openOriginalDestinations(pinDir: string): OriginalDestinations {
  const map = BpfMap.fromPin<ProxyOrigKey, ProxyOrigValue>(
    `${pinDir}/${UDP_ORIG_MAP}`,
    ProxyOrigKeyCodec,
    ProxyOrigValueCodec,
  );
  return fromMap(map);
}

/** Over any map with the datapath's codecs (tests pass a loaded object's map). */
export function fromMap(map: {
  get(k: ProxyOrigKey): ProxyOrigValue | undefined;
  [Symbol.dispose]?: () => void;
}): OriginalDestinations {
  return {
    originalDestination(client, proxyPort) {
      const v = map.get({ addr: client.address, port: client.port, protocol: IPPROTO_UDP });
      if (!v || v.proxyPort !== proxyPort) return undefined;
      return { address: v.addr, port: v.port };
    },
    [Symbol.dispose]() {
      map[Symbol.dispose]?.();
    },
  };
}
