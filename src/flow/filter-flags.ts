// `hubble observe` filter flags (--from-pod, -n, --label, --not …) → whitelist/blacklist FlowFilters, as Hubble builds them.
//
// Like Hubble's filterTracker: every flag adds to a "left" and a "right" filter. Directional flags
// (--from-pod, --to-ip …) add the same to both; undirected ones (--pod, --ip, --label, --port) add the
// source field to the left and the destination field to the right, so the result is `left OR right`
// ("either side"). Namespaces are folded into the pod filters last. `--not` sends the next flag to the
// blacklist. The UI builds its filters through the same class.
import { RESERVED_IDENTITIES } from '../identity/reserved-identities.js';
import type { EventTypeFilter, FlowFilter, FlowFilterSet, TCPFlags, Verdict } from './flow.js';
import { dropReasonCode, MESSAGE_TYPE, TRACE_POINTS, VERDICTS } from './flow-enums.js';
import { FlowError } from './flow-error.js';

/** The filter flags `porin observe` accepts (long names, without dashes). */
export const FILTER_FLAG_NAMES = [
  'not',
  'uuid',
  'pod',
  'from-pod',
  'to-pod',
  'namespace',
  'from-namespace',
  'to-namespace',
  'all-namespaces',
  'ip',
  'from-ip',
  'to-ip',
  'label',
  'from-label',
  'to-label',
  'service',
  'from-service',
  'to-service',
  'workload',
  'from-workload',
  'to-workload',
  'identity',
  'from-identity',
  'to-identity',
  'port',
  'from-port',
  'to-port',
  'protocol',
  'verdict',
  'drop-reason-desc',
  'type',
  'traffic-direction',
  'http-status',
  'http-method',
  'http-path',
  'http-url',
  'http-header',
  'tcp-flags',
  'node-name',
  'ip-version',
  'ipv4',
  'ipv6',
] as const;
export type FilterFlagName = (typeof FILTER_FLAG_NAMES)[number];

/** Flags that cannot be combined within one list (whitelist or blacklist), as in Hubble. */
const CONFLICTS: string[][] = [
  ['from-ip', 'ip', 'from-namespace', 'namespace', 'all-namespaces'],
  ['from-ip', 'ip', 'from-pod', 'pod'],
  ['to-ip', 'ip', 'to-namespace', 'namespace', 'all-namespaces'],
  ['to-ip', 'ip', 'to-pod', 'pod'],
  ['to-pod', 'namespace', 'all-namespaces'],
  ['from-pod', 'namespace', 'all-namespaces'],
  ['to-service', 'namespace', 'all-namespaces'],
  ['from-service', 'namespace', 'all-namespaces'],
  ['label', 'from-label'],
  ['label', 'to-label'],
  ['service', 'from-service'],
  ['service', 'to-service'],
  ['port', 'to-port'],
  ['port', 'from-port'],
  ['identity', 'to-identity'],
  ['identity', 'from-identity'],
  ['workload', 'to-workload'],
  ['workload', 'from-workload'],
];

type Update = (f: FlowFilter) => void;

function push<K extends keyof FlowFilter>(
  f: FlowFilter,
  key: K,
  value: NonNullable<FlowFilter[K]>[number],
): void {
  const list = (f[key] ?? []) as unknown[];
  list.push(value);
  (f as Record<string, unknown>)[key] = list;
}

class Tracker {
  left: FlowFilter | undefined;
  right: FlowFilter | undefined;
  ns: string[] = [];
  srcNs: string[] = [];
  dstNs: string[] = [];
  changed = new Set<string>();

  both(u: Update): void {
    this.leftSide(u);
    this.rightSide(u);
  }

  leftSide(u: Update): void {
    this.left ??= {};
    u(this.left);
  }

  rightSide(u: Update): void {
    this.right ??= {};
    u(this.right);
  }

  filters(): FlowFilter[] {
    if (
      !this.left &&
      !this.right &&
      this.ns.length === 0 &&
      this.srcNs.length === 0 &&
      this.dstNs.length === 0
    )
      return [];
    const left = this.left ?? {};
    const right = this.right ?? {};
    if (this.dstNs.length > 0) {
      applyNamespaces(right, 'destination', this.dstNs);
      applyNamespaces(left, 'destination', this.dstNs);
    }
    if (this.srcNs.length > 0) {
      applyNamespaces(left, 'source', this.srcNs);
      applyNamespaces(right, 'source', this.srcNs);
    }
    if (this.ns.length > 0) {
      applyNamespaces(left, 'source', this.ns);
      applyNamespaces(right, 'destination', this.ns);
    }
    return JSON.stringify(left) === JSON.stringify(right) ? [left] : [left, right];
  }
}

/** Hubble's namespaceModifier: a namespace becomes `ns/` (whole namespace) or prefixes unqualified pod names. */
function applyNamespaces(f: FlowFilter, side: 'source' | 'destination', namespaces: readonly string[]): void {
  const podKey = side === 'source' ? 'source_pod' : 'destination_pod';
  const svcKey = side === 'source' ? 'source_service' : 'destination_service';
  if (!f[podKey]?.length && !f[svcKey]?.length) f[podKey] = [''];
  const qualify = (names: string[] | undefined) => {
    if (!names?.length) return names;
    const out: string[] = [];
    for (const n of names) {
      if (n.includes('/')) out.push(n);
      else for (const ns of namespaces) out.push(`${ns}/${n}`);
    }
    return out;
  };
  const pods = qualify(f[podKey]);
  if (pods) f[podKey] = pods;
  const svcs = qualify(f[svcKey]);
  if (svcs) f[svcKey] = svcs;
}

function flagError(name: string, message: string): FlowError {
  return new FlowError('PORIN_FLOW_FILTER_INVALID', message, `--${name}`);
}

/** `trace:to-endpoint`, `drop`, `policy-verdict`, `l7`, `4`, `1:133` → EventTypeFilter. */
export function parseEventType(value: string): EventTypeFilter {
  const [typeName = '', sub] = value.split(':', 2);
  const named = MESSAGE_TYPE[typeName as keyof typeof MESSAGE_TYPE];
  const type = named ?? (/^\d+$/.test(typeName) ? Number(typeName) : undefined);
  if (type === undefined) {
    throw flagError(
      'type',
      `unknown event type "${typeName}" (use ${Object.keys(MESSAGE_TYPE).join(', ')} or a number)`,
    );
  }
  const out: EventTypeFilter = { type };
  if (sub !== undefined) {
    const point = type === MESSAGE_TYPE.trace ? TRACE_POINTS.find((p) => p.name === sub) : undefined;
    const subType = point?.subType ?? (/^\d+$/.test(sub) ? Number(sub) : undefined);
    if (subType === undefined) {
      throw flagError(
        'type',
        `unknown sub-type "${sub}"${type === MESSAGE_TYPE.trace ? ` (use ${TRACE_POINTS.map((p) => p.name).join(', ')})` : ''}`,
      );
    }
    out.match_sub_type = true;
    out.sub_type = subType;
  }
  return out;
}

function parseIdentity(value: string, name: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  const r = RESERVED_IDENTITIES.find((x) => x.name === value.replace(/^reserved:/, ''));
  if (!r) {
    throw flagError(
      name,
      `invalid security identity "${value}": a number or one of ${RESERVED_IDENTITIES.map((x) => x.name).join(', ')}`,
    );
  }
  return r.id;
}

function parseTcpFlags(value: string): TCPFlags {
  const flags: TCPFlags = {};
  for (const f of value.split(',')) {
    const u = f.trim().toUpperCase();
    if (!['SYN', 'FIN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'NS'].includes(u))
      throw flagError('tcp-flags', `unknown TCP flag "${f}"`);
    flags[u as keyof TCPFlags] = true;
  }
  return flags;
}

function parseWorkload(value: string): { name?: string; kind?: string } {
  // Hubble: `kind/name`, or a name alone.
  const slash = value.indexOf('/');
  if (slash < 0) return { name: value };
  const kind = value.slice(0, slash);
  const name = value.slice(slash + 1);
  return { ...(kind ? { kind } : {}), ...(name ? { name } : {}) };
}

/** Accumulates filter flags in command-line order; `build()` gives the whitelist and blacklist. */
export class FilterFlags {
  private readonly white = new Tracker();
  private black: Tracker | undefined;
  private negateNext = false;

  add(name: string, value = ''): this {
    if (!(FILTER_FLAG_NAMES as readonly string[]).includes(name))
      throw flagError(name, 'unknown filter flag');
    if (name === 'not') {
      if (this.negateNext) throw flagError('not', 'consecutive --not');
      this.negateNext = true;
      return this;
    }
    let t = this.white;
    if (this.negateNext) {
      this.negateNext = false;
      this.black ??= new Tracker();
      t = this.black;
    }
    t.changed.add(name);
    for (const group of CONFLICTS) {
      if (!group.includes(name)) continue;
      const other = group.find((g) => g !== name && t.changed.has(g));
      if (other) throw flagError(name, `filters --${name} and --${other} cannot be combined`);
    }
    this.set(t, name as FilterFlagName, value);
    return this;
  }

  private set(t: Tracker, name: FilterFlagName, v: string): void {
    const sides = (src: keyof FlowFilter, dst: keyof FlowFilter, value: unknown) => {
      t.leftSide((f) => push(f, src, value as never));
      t.rightSide((f) => push(f, dst, value as never));
    };
    const all = (key: keyof FlowFilter, value: unknown) => t.both((f) => push(f, key, value as never));
    switch (name) {
      case 'not':
        return;
      case 'uuid':
        all('uuid', v);
        break;
      case 'pod':
        sides('source_pod', 'destination_pod', v);
        break;
      case 'from-pod':
        all('source_pod', v);
        break;
      case 'to-pod':
        all('destination_pod', v);
        break;
      case 'namespace':
        t.ns.push(v);
        return;
      case 'from-namespace':
        t.srcNs.push(v);
        return;
      case 'to-namespace':
        t.dstNs.push(v);
        return;
      case 'all-namespaces':
        // No namespace restriction: every namespace is what no namespace filter means.
        return;
      case 'ip':
        sides('source_ip', 'destination_ip', v);
        break;
      case 'from-ip':
        all('source_ip', v);
        break;
      case 'to-ip':
        all('destination_ip', v);
        break;
      case 'label':
        sides('source_label', 'destination_label', v);
        break;
      case 'from-label':
        all('source_label', v);
        break;
      case 'to-label':
        all('destination_label', v);
        break;
      case 'service':
        sides('source_service', 'destination_service', v);
        break;
      case 'from-service':
        all('source_service', v);
        break;
      case 'to-service':
        all('destination_service', v);
        break;
      case 'workload':
        sides('source_workload', 'destination_workload', parseWorkload(v));
        break;
      case 'from-workload':
        all('source_workload', parseWorkload(v));
        break;
      case 'to-workload':
        all('destination_workload', parseWorkload(v));
        break;
      case 'identity':
        sides('source_identity', 'destination_identity', parseIdentity(v, name));
        break;
      case 'from-identity':
        all('source_identity', parseIdentity(v, name));
        break;
      case 'to-identity':
        all('destination_identity', parseIdentity(v, name));
        break;
      case 'port':
        sides('source_port', 'destination_port', v);
        break;
      case 'from-port':
        all('source_port', v);
        break;
      case 'to-port':
        all('destination_port', v);
        break;
      case 'protocol':
        all('protocol', v);
        break;
      case 'verdict': {
        const verdict = v.toUpperCase();
        if (!VERDICTS.includes(verdict as Verdict) || verdict === 'VERDICT_UNKNOWN')
          throw flagError(name, `invalid verdict "${v}" (use ${VERDICTS.slice(1).join(', ')})`);
        all('verdict', verdict);
        break;
      }
      case 'drop-reason-desc':
        if (dropReasonCode(v) === undefined) throw flagError(name, `unknown drop reason "${v}"`);
        all('drop_reason_desc', v);
        break;
      case 'type':
        all('event_type', parseEventType(v));
        break;
      case 'traffic-direction': {
        const d = v.toLowerCase();
        if (d !== 'ingress' && d !== 'egress') throw flagError(name, `"${v}": expected ingress or egress`);
        all('traffic_direction', d.toUpperCase());
        break;
      }
      case 'http-status':
        all('http_status_code', v);
        break;
      case 'http-method':
        all('http_method', v);
        break;
      case 'http-path':
        all('http_path', v);
        break;
      case 'http-url':
        all('http_url', v);
        break;
      case 'http-header': {
        const colon = v.indexOf(':');
        if (colon < 0) throw flagError(name, `invalid header "${v}", expected name:value`);
        all('http_header', { key: v.slice(0, colon), value: v.slice(colon + 1) });
        break;
      }
      case 'tcp-flags':
        all('tcp_flags', parseTcpFlags(v));
        break;
      case 'node-name':
        all('node_name', v);
        break;
      case 'ipv4':
        all('ip_version', 'IPv4');
        break;
      case 'ipv6':
        all('ip_version', 'IPv6');
        break;
      case 'ip-version': {
        const l = v.toLowerCase();
        const version = ['4', 'v4', 'ipv4', 'ip4'].includes(l)
          ? 'IPv4'
          : ['6', 'v6', 'ipv6', 'ip6'].includes(l)
            ? 'IPv6'
            : 'IP_NOT_USED';
        all('ip_version', version);
        break;
      }
    }
  }

  build(): FlowFilterSet {
    if (this.negateNext) throw flagError('not', '--not must be followed by a filter flag');
    const set: FlowFilterSet = {};
    const white = this.white.filters();
    if (white.length > 0) set.whitelist = white;
    const black = this.black?.filters() ?? [];
    if (black.length > 0) set.blacklist = black;
    return set;
  }
}

/** Builds the filter set of flags given in order, e.g. `[['from-pod', 'xwing'], ['not'], ['verdict', 'DROPPED']]`. */
export function filterSetFromFlags(flags: readonly (readonly [string, string?])[]): FlowFilterSet {
  const b = new FilterFlags();
  for (const [name, value] of flags) b.add(name, value);
  return b.build();
}
