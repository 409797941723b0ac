// Text forms of flows as `hubble observe` prints them: compact (default), dict, table, json/jsonpb.
import { DROP_REASONS } from '../datapath/drop-reasons.js';
import type { Flow, FlowsResponse, Policy } from './flow.js';
import { MATCH_TYPE_NAMES, MESSAGE_TYPE, TRACE_POINTS } from './flow-enums.js';

export type OutputFormat = 'compact' | 'dict' | 'table' | 'json' | 'jsonpb';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['compact', 'dict', 'table', 'json', 'jsonpb'];

export type Color = 'red' | 'green' | 'yellow' | 'cyan' | 'magenta';
/** Colours a piece of text (the identity when colour is off). */
export type Paint = (color: Color, s: string) => string;

export type TimeFormat = 'StampMilli' | 'RFC3339' | 'RFC3339Nano';

export interface PrinterOptions {
  format?: OutputFormat;
  paint?: Paint;
  /** Print the node name after the time (`--print-node-name`). */
  nodeName?: boolean;
  /** Append the policies behind a verdict (`--print-policy-names`). */
  policyNames?: boolean;
  timeFormat?: TimeFormat;
  /** Print times in UTC instead of the local zone. */
  utc?: boolean;
}

const RESERVED: Record<number, string> = {
  1: 'host',
  2: 'world',
  3: 'unmanaged',
  4: 'health',
  5: 'init',
  6: 'remote-node',
  7: 'kube-apiserver',
  8: 'ingress',
  9: 'world-ipv4',
  10: 'world-ipv6',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** Go's time.StampMilli (`Jan _2 15:04:05.000`), or RFC 3339. */
export function formatFlowTime(
  time: string | undefined,
  format: TimeFormat = 'StampMilli',
  utc = false,
): string {
  if (!time) return 'N/A';
  if (format === 'RFC3339Nano') return time;
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return 'N/A';
  const d = new Date(ms);
  if (format === 'RFC3339') return `${d.toISOString().slice(0, 19)}Z`;
  const frac = /\.(\d+)/.exec(time)?.[1] ?? '000';
  const [mo, day, h, mi, s] = utc
    ? [d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  return `${MONTHS[mo]} ${String(day).padStart(2, ' ')} ${two(h)}:${two(mi)}:${two(s)}.${frac.padEnd(3, '0').slice(0, 3)}`;
}

function portsOf(f: Flow): [number, number] | undefined {
  const p = f.l4?.TCP ?? f.l4?.UDP ?? f.l4?.SCTP;
  return p ? [p.source_port ?? 0, p.destination_port ?? 0] : undefined;
}

/** Hubble's GetFlowType: the TYPE column. */
export function flowTypeText(f: Flow): string {
  const l7 = f.l7;
  if (l7) {
    const kind = (l7.type ?? 'UNKNOWN_L7_TYPE').toLowerCase();
    if (l7.http) return `http-${kind}`;
    if (l7.dns) return `dns-${kind} ${l7.dns.observation_source ?? ''}`.trimEnd();
    if (l7.kafka) return `kafka-${kind}`;
    return `l7-${kind}`;
  }
  const type = f.event_type?.type ?? 0;
  const sub = f.event_type?.sub_type ?? 0;
  switch (type) {
    case MESSAGE_TYPE.trace:
      return TRACE_POINTS.find((p) => p.subType === sub)?.name ?? `${sub}`;
    case MESSAGE_TYPE.drop:
      return DROP_REASONS[sub]?.description ?? `${sub}`;
    case MESSAGE_TYPE['policy-verdict']:
      return `policy-verdict:${MATCH_TYPE_NAMES[f.policy_match_type ?? 0] ?? 'unknown'} ${f.traffic_direction ?? 'TRAFFIC_DIRECTION_UNKNOWN'}`;
    default:
      return 'UNKNOWN';
  }
}

function policyText(p: Policy): string {
  const name = p.namespace ? `${p.namespace}/${p.name ?? ''}` : (p.name ?? '');
  return `${name} (${p.kind ?? 'unknown'})`;
}

/** ` BY ns/name (Kind), …` and ` BY default-deny ns/name (Kind)`: the policies behind the verdict. */
export function policyNamesText(f: Flow): string {
  const allowed = [...(f.ingress_allowed_by ?? []), ...(f.egress_allowed_by ?? [])];
  const denied = [...(f.ingress_denied_by ?? []), ...(f.egress_denied_by ?? [])];
  const defaults = [...(f.ingress_default_denied_by ?? []), ...(f.egress_default_denied_by ?? [])];
  const parts: string[] = [];
  if (allowed.length > 0) parts.push(allowed.map(policyText).join(', '));
  if (denied.length > 0) parts.push(denied.map(policyText).join(', '));
  if (defaults.length > 0) parts.push(`default-deny ${defaults.map(policyText).join(', ')}`);
  return parts.length === 0 ? '' : ` BY ${parts.join(', ')}`;
}

export class FlowPrinter {
  private readonly format: OutputFormat;
  private readonly paint: Paint;
  private line = 0;
  private readonly tableRows: string[][] = [];

  constructor(private readonly opts: PrinterOptions = {}) {
    this.format = opts.format ?? 'compact';
    this.paint = opts.paint ?? ((_c, s) => s);
  }

  private host(f: Flow, side: 'source' | 'destination'): string {
    const ep = f[side];
    const svc = side === 'source' ? f.source_service : f.destination_service;
    const names = side === 'source' ? f.source_names : f.destination_names;
    const ip = side === 'source' ? f.IP?.source : f.IP?.destination;
    let host = ip ?? '';
    let ns = ep?.namespace ?? '';
    if (svc?.name && !ep?.pod_name) ns = svc.namespace ?? ns;
    if (ep?.pod_name) host = ns ? `${ns}/${ep.pod_name}` : ep.pod_name;
    else if (svc?.name) host = ns ? `${ns}/${svc.name}` : svc.name;
    else if (names?.length) host = names.join(',');
    const ports = portsOf(f);
    const port = ports ? ports[side === 'source' ? 0 : 1] : 0;
    if (port !== 0) {
      const h = host.includes(':') ? `[${host}]` : host;
      return this.paint('cyan', `${h}:${this.paint('yellow', String(port))}`);
    }
    return this.paint('cyan', host);
  }

  private identity(id: number | undefined): string {
    const n = id ?? 0;
    const reserved = RESERVED[n];
    return this.paint('magenta', reserved ? `(${reserved})` : `(ID:${n})`);
  }

  private verdict(f: Flow): string {
    const v = f.verdict ?? 'VERDICT_UNKNOWN';
    const pv = f.event_type?.type === MESSAGE_TYPE['policy-verdict'];
    let text: string;
    switch (v) {
      case 'FORWARDED':
      case 'REDIRECTED':
        text = this.paint('green', pv ? 'ALLOWED' : v);
        break;
      case 'DROPPED':
      case 'ERROR':
        text = this.paint('red', pv ? 'DENIED' : v);
        break;
      case 'AUDIT':
        text = this.paint('yellow', pv ? 'AUDITED' : v);
        break;
      case 'TRACED':
      case 'TRANSLATED':
        text = this.paint('yellow', v);
        break;
      default:
        text = v;
    }
    return this.opts.policyNames ? text + policyNamesText(f) : text;
  }

  private time(t: string | undefined): string {
    return formatFlowTime(t, this.opts.timeFormat, this.opts.utc);
  }

  /** The text for one response (with its trailing newline), or '' when it goes into a table. */
  write(r: FlowsResponse): string {
    if (this.format === 'json' || this.format === 'jsonpb') return `${JSON.stringify(r)}\n`;
    if ('lost_events' in r) {
      const l = r.lost_events;
      const summary = `CPU(${l.cpu ?? 0}) - ${l.num_events_lost}`;
      switch (this.format) {
        case 'table':
          this.tableRows.push([
            '',
            ...(this.opts.nodeName ? [''] : []),
            l.source,
            '',
            'EVENTS LOST',
            '',
            summary,
          ]);
          return '';
        case 'dict': {
          const sep = this.line++ > 0 ? '------------\n' : '';
          return `${sep}  TIMESTAMP: \n     SOURCE: ${l.source}\n       TYPE: EVENTS LOST\n    VERDICT: \n    SUMMARY: ${summary}\n`;
        }
        default:
          return `EVENTS LOST: ${l.source} CPU(${l.cpu ?? 0}) ${l.num_events_lost}\n`;
      }
    }
    const f = r.flow;
    const time = this.time(f.time);
    let src = this.host(f, 'source');
    let dst = this.host(f, 'destination');
    const summary = f.Summary ?? '';
    switch (this.format) {
      case 'table':
        this.tableRows.push([
          time,
          ...(this.opts.nodeName ? [f.node_name ?? ''] : []),
          src,
          dst,
          flowTypeText(f),
          this.verdict(f),
          summary,
        ]);
        return '';
      case 'dict': {
        const sep = this.line++ > 0 ? '------------\n' : '';
        const node = this.opts.nodeName ? `       NODE: ${f.node_name ?? ''}\n` : '';
        return `${sep}  TIMESTAMP: ${time}\n${node}     SOURCE: ${src}\nDESTINATION: ${dst}\n       TYPE: ${flowTypeText(f)}\n    VERDICT: ${this.verdict(f)}\n    SUMMARY: ${summary}\n`;
      }
      default: {
        let srcId = this.identity(f.source?.identity);
        let dstId = this.identity(f.destination?.identity);
        let arrow = '->';
        if (f.is_reply === undefined) arrow = '<>';
        else if (f.is_reply) {
          [src, dst] = [dst, src];
          [srcId, dstId] = [dstId, srcId];
          arrow = '<-';
        }
        const node = this.opts.nodeName ? ` [${f.node_name ?? ''}]` : '';
        return `${time}${node}: ${src} ${srcId} ${arrow} ${dst} ${dstId} ${flowTypeText(f)} ${this.verdict(f)} (${summary})\n`;
      }
    }
  }

  /** Rows collected so far for `table`, with a header (empty for other formats). */
  flushTable(render: (headers: string[], rows: string[][]) => string): string {
    if (this.format !== 'table' || this.tableRows.length === 0) return '';
    const headers = [
      'TIMESTAMP',
      ...(this.opts.nodeName ? ['NODE'] : []),
      'SOURCE',
      'DESTINATION',
      'TYPE',
      'VERDICT',
      'SUMMARY',
    ];
    const out = render(headers, this.tableRows.splice(0));
    return out;
  }
}
