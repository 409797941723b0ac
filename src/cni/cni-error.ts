// The CNI error a plugin reports: a spec code (1-99 well-known, 100+ Porin's own), a message, details.

/** Error codes: 1-11 and 50/51 are the spec's well-known codes; 100+ are Porin's own and stable. */
export const CNI_CODE = Object.freeze({
  INCOMPATIBLE_VERSION: 1,
  UNSUPPORTED_FIELD: 2,
  UNKNOWN_CONTAINER: 3,
  INVALID_ENV: 4,
  IO_FAILURE: 5,
  DECODE_FAILURE: 6,
  INVALID_CONFIG: 7,
  TRY_AGAIN_LATER: 11,
  NOT_AVAILABLE: 50,
  NOT_AVAILABLE_LIMITED: 51,
  /** Anything unexpected (a bug): details carry the stack. */
  INTERNAL: 100,
  /** An `ip` / `nsenter` command failed; details carry its stderr. */
  IP_COMMAND_FAILED: 101,
  /** No free address left in podCIDR. */
  POOL_EXHAUSTED: 102,
  /** The address requested through CNI_ARGS IP= is held by another attachment. */
  ADDRESS_IN_USE: 103,
  /** The host veth for this container already exists (a previous ADD was not followed by DEL). */
  INTERFACE_EXISTS: 104,
  /** CHECK: an interface (host veth or pod interface) is missing or differs from prevResult. */
  CHECK_INTERFACE: 110,
  /** CHECK: the pod address is missing. */
  CHECK_ADDRESS: 111,
  /** CHECK: a route (pod side, or the host /32 in main or the pod table) is missing. */
  CHECK_ROUTE: 112,
  /** CHECK: the gateway's permanent neighbour entry is missing or points elsewhere. */
  CHECK_NEIGHBOUR: 113,
  /** CHECK: the IPAM reservation is missing or held by someone else. */
  CHECK_ALLOCATION: 114,
  /** CHECK: a host-side sysctl (forwarding, rp_filter) is not as ADD set it. */
  CHECK_SYSCTL: 115,
});

export type CniCode = (typeof CNI_CODE)[keyof typeof CNI_CODE];

/** An error the plugin prints as `{cniVersion, code, msg, details}` and exits non-zero with. */
export class CniError extends Error {
  constructor(
    readonly code: number,
    readonly msg: string,
    readonly details?: string,
  ) {
    super(details ? `${msg}: ${details}` : msg);
    this.name = 'CniError';
  }

  /** The spec's error object. */
  toJSON(cniVersion: string): { cniVersion: string; code: number; msg: string; details?: string } {
    const out: { cniVersion: string; code: number; msg: string; details?: string } = {
      cniVersion,
      code: this.code,
      msg: this.msg,
    };
    if (this.details) out.details = this.details;
    return out;
  }
}
