// Decodes and validates the `porin` plugin's network configuration (stdin), with the spec's error codes.
import { CNI_CODE, CniError } from './cni-error.js';
import type { CniAttachment, CniDns } from './cni-types.js';
import { isSemver, SUPPORTED_CNI_VERSIONS } from './cni-version.js';
import { allocatableRange, type Cidr4, cidrContains, parseCidr4, parseIPv4 } from './ipv4.js';

export interface PorinNetConf {
  readonly cniVersion: string;
  readonly name: string;
  readonly type: string;
  readonly podCIDR: Cidr4;
  readonly podCIDRText: string;
  readonly gateway: string;
  readonly routeTable: number;
  /** IPAM state lives in `<dataDir>/<name>/`. */
  readonly dataDir: string;
  readonly mtu?: number;
  /** The CNI server's unix socket, which the thin plugin forwards the call to. */
  readonly socket: string;
  /** How long the thin plugin waits for the server's answer. */
  readonly timeoutSeconds: number;
  readonly dns?: CniDns;
  /** The previous plugin's (ADD) or the cached (CHECK, DEL) result, undecoded. */
  readonly prevResult?: Record<string, unknown>;
  /** GC only: attachments that must be kept. */
  readonly validAttachments?: readonly CniAttachment[];
}

export const DEFAULTS = Object.freeze({
  gateway: '169.254.1.1',
  routeTable: 2004,
  dataDir: '/var/lib/porin/ipam',
  /** Under the default run directory (`$PORIN_RUN_DIR`, /run/porin); the agent sets its own explicitly. */
  socket: '/run/porin/cni.sock',
  /** Below invokeCniChain's 60 s per plugin, so a runtime gets the plugin's error rather than a kill. */
  timeoutSeconds: 50,
});

/** An absolute path that fits sun_path (108 bytes with the NUL), printable ASCII: what porin-cni.c accepts. */
const SOCKET_PATH = /^\/[\x21-\x7e]{0,106}$/;

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const KNOWN = new Set([
  'cniVersion',
  'cniVersions',
  'name',
  'type',
  'args',
  'ipMasq',
  'ipam',
  'dns',
  'runtimeConfig',
  'capabilities',
  'prevResult',
  'disableCheck',
  'disableGC',
  'podCIDR',
  'clusterCIDR',
  'serviceCIDR',
  'gateway',
  'routeTable',
  'dataDir',
  'mtu',
  'socket',
  'timeoutSeconds',
]);

function invalid(msg: string, details?: string): CniError {
  return new CniError(CNI_CODE.INVALID_CONFIG, msg, details);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Decodes stdin into an object (DECODE_FAILURE when it is not a JSON object). */
export function decodeConfig(stdin: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(stdin);
  } catch (e) {
    throw new CniError(
      CNI_CODE.DECODE_FAILURE,
      'network configuration is not valid JSON',
      (e as Error).message,
    );
  }
  if (!isObject(raw))
    throw new CniError(CNI_CODE.DECODE_FAILURE, 'network configuration must be a JSON object');
  return raw;
}

/** Checks `cniVersion` (INVALID_CONFIG when absent or malformed, INCOMPATIBLE_VERSION when unsupported). */
export function checkVersion(raw: Record<string, unknown>): string {
  const v = raw.cniVersion;
  if (!isSemver(v))
    throw invalid('cniVersion must be a version like "1.1.0"', `cniVersion=${JSON.stringify(v)}`);
  if (!SUPPORTED_CNI_VERSIONS.includes(v)) {
    throw new CniError(
      CNI_CODE.INCOMPATIBLE_VERSION,
      `incompatible CNI version ${v}`,
      `porin supports ${SUPPORTED_CNI_VERSIONS.join(', ')}`,
    );
  }
  return v;
}

function stringList(v: unknown, field: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw invalid(`${field} must be a list of strings`);
  return v as string[];
}

function parseDns(v: unknown): CniDns | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) throw invalid('dns must be an object');
  const dns: CniDns = {};
  const nameservers = stringList(v.nameservers, 'dns.nameservers');
  if (nameservers) dns.nameservers = nameservers;
  if (v.domain !== undefined) {
    if (typeof v.domain !== 'string') throw invalid('dns.domain must be a string');
    dns.domain = v.domain;
  }
  const search = stringList(v.search, 'dns.search');
  if (search) dns.search = search;
  const options = stringList(v.options, 'dns.options');
  if (options) dns.options = options;
  return Object.keys(dns).length ? dns : undefined;
}

function parseAttachments(raw: Record<string, unknown>): CniAttachment[] | undefined {
  // libcni sends both spellings (a naming mistake in an early 1.1 draft); they carry the same list.
  const v = raw['cni.dev/valid-attachments'] ?? raw['cni.dev/attachments'];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw invalid('cni.dev/valid-attachments must be a list');
  return v.map((a, i) => {
    if (!isObject(a) || typeof a.containerID !== 'string' || typeof a.ifname !== 'string') {
      throw invalid(`cni.dev/valid-attachments[${i}] must be {containerID, ifname}`);
    }
    return { containerID: a.containerID, ifname: a.ifname };
  });
}

/** Validates a decoded configuration for ADD, DEL, CHECK, STATUS or GC. */
export function parsePluginConfig(raw: Record<string, unknown>): PorinNetConf {
  const cniVersion = checkVersion(raw);
  if (typeof raw.name !== 'string' || !NAME.test(raw.name)) {
    throw invalid(
      'name must start with a letter or digit, then letters, digits, _ . -',
      `name=${JSON.stringify(raw.name)}`,
    );
  }
  if (typeof raw.type !== 'string' || raw.type === '') throw invalid('type must be a non-empty string');
  for (const [k, v] of Object.entries(raw)) {
    // Keys with a slash are runtime annotations (cni.dev/...): passed through, never an error.
    if (!KNOWN.has(k) && !k.includes('/')) {
      throw new CniError(CNI_CODE.UNSUPPORTED_FIELD, `unsupported field ${k}=${JSON.stringify(v)}`);
    }
  }
  if (raw.ipMasq !== undefined && raw.ipMasq !== false) {
    throw new CniError(
      CNI_CODE.UNSUPPORTED_FIELD,
      `unsupported field ipMasq=${JSON.stringify(raw.ipMasq)}`,
      'Porin never masquerades pod traffic',
    );
  }
  if (raw.ipam !== undefined && !(isObject(raw.ipam) && Object.keys(raw.ipam).length === 0)) {
    throw new CniError(
      CNI_CODE.UNSUPPORTED_FIELD,
      `unsupported field ipam=${JSON.stringify(raw.ipam)}`,
      'IPAM is built into porin: use podCIDR and dataDir',
    );
  }
  const podCIDR = parseCidr4(raw.podCIDR);
  if (!podCIDR || !allocatableRange(podCIDR)) {
    throw invalid(
      'podCIDR must be an IPv4 CIDR with no host bits, at most /30',
      `podCIDR=${JSON.stringify(raw.podCIDR)}`,
    );
  }
  for (const f of ['clusterCIDR', 'serviceCIDR'] as const) {
    if (raw[f] !== undefined && !parseCidr4(raw[f])) {
      throw invalid(`${f} must be an IPv4 CIDR`, `${f}=${JSON.stringify(raw[f])}`);
    }
  }
  const cluster = parseCidr4(raw.clusterCIDR);
  if (cluster && !(cluster.bits <= podCIDR.bits && cidrContains(cluster, podCIDR.network))) {
    throw invalid(
      'podCIDR must lie inside clusterCIDR',
      `podCIDR=${raw.podCIDR} clusterCIDR=${raw.clusterCIDR}`,
    );
  }
  const gateway = raw.gateway ?? DEFAULTS.gateway;
  const gw = parseIPv4(gateway);
  if (gw === undefined)
    throw invalid('gateway must be an IPv4 address', `gateway=${JSON.stringify(raw.gateway)}`);
  if (cidrContains(podCIDR, gw)) throw invalid('gateway must lie outside podCIDR', `gateway=${gateway}`);
  const routeTable = raw.routeTable ?? DEFAULTS.routeTable;
  if (
    typeof routeTable !== 'number' ||
    !Number.isInteger(routeTable) ||
    routeTable < 1 ||
    routeTable > 0xffffffff ||
    [253, 254, 255].includes(routeTable)
  ) {
    throw invalid(
      'routeTable must be a table number other than 253, 254, 255',
      `routeTable=${JSON.stringify(raw.routeTable)}`,
    );
  }
  const dataDir = raw.dataDir ?? DEFAULTS.dataDir;
  if (typeof dataDir !== 'string' || !dataDir.startsWith('/')) {
    throw invalid('dataDir must be an absolute path', `dataDir=${JSON.stringify(raw.dataDir)}`);
  }
  let mtu: number | undefined;
  if (raw.mtu !== undefined) {
    if (typeof raw.mtu !== 'number' || !Number.isInteger(raw.mtu) || raw.mtu < 68 || raw.mtu > 65535) {
      throw invalid('mtu must be an integer from 68 to 65535', `mtu=${JSON.stringify(raw.mtu)}`);
    }
    mtu = raw.mtu;
  }
  const socket = raw.socket ?? DEFAULTS.socket;
  if (typeof socket !== 'string' || !SOCKET_PATH.test(socket)) {
    throw invalid(
      'socket must be an absolute path of printable ASCII characters, at most 107 bytes',
      `socket=${JSON.stringify(raw.socket)}`,
    );
  }
  const timeoutSeconds = raw.timeoutSeconds ?? DEFAULTS.timeoutSeconds;
  if (
    typeof timeoutSeconds !== 'number' ||
    !Number.isInteger(timeoutSeconds) ||
    timeoutSeconds < 1 ||
    timeoutSeconds > 3600
  ) {
    throw invalid(
      'timeoutSeconds must be an integer from 1 to 3600',
      `timeoutSeconds=${JSON.stringify(raw.timeoutSeconds)}`,
    );
  }
  if (raw.prevResult !== undefined && !isObject(raw.prevResult))
    throw invalid('prevResult must be an object');
  const conf: PorinNetConf = {
    cniVersion,
    name: raw.name,
    type: raw.type,
    podCIDR,
    podCIDRText: raw.podCIDR as string,
    gateway: gateway as string,
    routeTable,
    dataDir,
    socket,
    timeoutSeconds,
    ...(mtu !== undefined ? { mtu } : {}),
  };
  const dns = parseDns(raw.dns);
  const validAttachments = parseAttachments(raw);
  return Object.freeze({
    ...conf,
    ...(dns ? { dns } : {}),
    ...(raw.prevResult ? { prevResult: raw.prevResult as Record<string, unknown> } : {}),
    ...(validAttachments ? { validAttachments } : {}),
  });
}
