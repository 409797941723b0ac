// Names and MAC addresses of a pod's veth pair, derived from the container id so every call agrees.
import { createHash } from 'node:crypto';

export interface VethIdentity {
  /** Host side: `porin` + the first 10 hex digits of sha256(containerID): 15 characters, the kernel's limit. */
  readonly hostName: string;
  /** Host side MAC: locally administered unicast, from the same hash (the pod's gateway neighbour entry). */
  readonly hostMac: string;
  /** Pod side MAC: locally administered unicast, from the hash's next bytes. */
  readonly podMac: string;
}

function mac(first: number, bytes: Buffer): string {
  return [first, ...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The veth identity of a container (one Porin attachment per container on a host). */
export function vethIdentity(containerId: string): VethIdentity {
  const h = createHash('sha256').update(containerId).digest();
  return {
    hostName: `porin${h.subarray(0, 5).toString('hex')}`,
    // 0x02 / 0x06: locally administered, unicast. Different first octets keep the two ends apart.
    hostMac: mac(0x02, h.subarray(5, 10)),
    podMac: mac(0x06, h.subarray(10, 15)),
  };
}

/** Just the host veth name. */
export function hostVethName(containerId: string): string {
  return vethIdentity(containerId).hostName;
}
