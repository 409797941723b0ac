// The CNI wire types Porin reads and writes (spec 1.0 / 1.1): results, DNS, attachments.

export interface CniInterface {
  name: string;
  mac?: string;
  /** Network namespace path for interfaces inside a sandbox; absent for host interfaces. */
  sandbox?: string;
  /** 1.1 only. */
  mtu?: number;
}

export interface CniIpConfig {
  /** Address in CIDR notation, e.g. `10.244.0.5/32`. */
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
  /** 1.1 only: mtu, advmss, priority, table, scope. */
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIpConfig[];
  routes?: CniRoute[];
  dns?: CniDns;
}

/** One entry of `cni.dev/valid-attachments` (GC). */
export interface CniAttachment {
  containerID: string;
  ifname: string;
}

/** The error object a plugin prints on failure. */
export interface CniErrorJson {
  cniVersion?: string;
  code: number;
  msg: string;
  details?: string;
}
