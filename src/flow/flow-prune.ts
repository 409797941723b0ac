// Which stored segments and rows a whitelist can match, from segment summaries: the store's query planner.
//
// For each whitelist filter it keeps what the summaries can check — endpoint ids (resolved from the
// filter's pod/label/workload/identity conditions), IPv4 ranges, ports, verdicts, L4 protocols, event
// types. A segment is read only if some filter may match it, and only the candidate rows when every
// filter narrows to rows. This only prunes: the exact condition is applied to whatever is read.
import type { ParsedFilter } from './flow-filter.js';
import {
  EVENT_BIT,
  eventBit,
  hasKeyInRange,
  hasPort,
  type KeyIndex,
  L4_BIT,
  offsetsInRange,
  type SegmentIndexes,
  type SegmentSummary,
  verdictBit,
} from './flow-segment.js';

export interface FilterPrune {
  srcEps?: readonly number[];
  dstEps?: readonly number[];
  srcIp4?: readonly [number, number][];
  srcIp6?: boolean;
  dstIp4?: readonly [number, number][];
  dstIp6?: boolean;
  verdictMask?: number;
  l4Mask?: number;
  eventMask?: number;
  srcPorts?: readonly number[];
  dstPorts?: readonly number[];
}

/** The pruning of a whitelist; undefined when nothing can be pruned (no whitelist). */
export type PrunePlan = FilterPrune[] | undefined;

const PORT_L4 = L4_BIT.TCP! | L4_BIT.UDP! | L4_BIT.SCTP!;

function protocolMask(protocols: readonly string[]): number | undefined {
  let m = 0;
  for (const p of protocols) {
    switch (p) {
      case 'tcp':
        m |= L4_BIT.TCP!;
        break;
      case 'udp':
        m |= L4_BIT.UDP!;
        break;
      case 'sctp':
        m |= L4_BIT.SCTP!;
        break;
      case 'icmp':
        m |= L4_BIT.ICMPv4! | L4_BIT.ICMPv6!;
        break;
      case 'icmpv4':
        m |= L4_BIT.ICMPv4!;
        break;
      case 'icmpv6':
        m |= L4_BIT.ICMPv6!;
        break;
      default:
        return undefined; // an L7 protocol: any L4
    }
  }
  return m;
}

/**
 * Builds the plan of a parsed whitelist; `endpointIds(filter, side)` answers the ids of endpoints that
 * satisfy a filter's conditions on that side (undefined when it has none).
 */
export function buildPrunePlan(
  whitelist: readonly ParsedFilter[],
  endpointIds: (p: ParsedFilter, side: 'src' | 'dst') => number[] | undefined,
): PrunePlan {
  if (whitelist.length === 0) return undefined;
  return whitelist.map((p) => {
    const f: FilterPrune = {};
    const src = endpointIds(p, 'src');
    const dst = endpointIds(p, 'dst');
    if (src) f.srcEps = src;
    if (dst) f.dstEps = dst;
    if (p.sourceIp) {
      f.srcIp4 = p.sourceIp
        .filter((r) => r.family === 4)
        .map((r) => [Number(r.lo), Number(r.hi)] as [number, number]);
      f.srcIp6 = p.sourceIp.some((r) => r.family === 6);
    }
    if (p.destinationIp) {
      f.dstIp4 = p.destinationIp
        .filter((r) => r.family === 4)
        .map((r) => [Number(r.lo), Number(r.hi)] as [number, number]);
      f.dstIp6 = p.destinationIp.some((r) => r.family === 6);
    }
    if (p.verdict) f.verdictMask = p.verdict.reduce((m, v) => m | verdictBit(v), 0);
    let l4 = p.protocol ? protocolMask(p.protocol) : undefined;
    if (p.sourcePort || p.destinationPort) l4 = (l4 ?? PORT_L4) & PORT_L4;
    if (l4 !== undefined) f.l4Mask = l4;
    if (p.eventType?.every((t) => t.type !== 0)) {
      f.eventMask = p.eventType.reduce((m, t) => m | eventBit(t.type ?? 0), 0);
    }
    if (p.sourcePort) f.srcPorts = p.sourcePort;
    if (p.destinationPort) f.dstPorts = p.destinationPort;
    return f;
  });
}

function epHit(idx: KeyIndex, eps: readonly number[]): boolean {
  for (const e of eps) if (hasKeyInRange(idx, e, e)) return true;
  return false;
}

function ipHit(
  idx: KeyIndex,
  ranges: readonly [number, number][],
  v6: boolean | undefined,
  seg: SegmentSummary,
): boolean {
  if (v6 && seg.hasNonV4) return true;
  for (const [lo, hi] of ranges) if (hasKeyInRange(idx, lo, hi)) return true;
  return false;
}

function filterMayMatch(f: FilterPrune, seg: SegmentSummary, idx: SegmentIndexes): boolean {
  if (f.verdictMask !== undefined && (f.verdictMask & seg.verdictMask) === 0) return false;
  if (f.l4Mask !== undefined && (f.l4Mask & seg.l4Mask) === 0) return false;
  if (f.eventMask !== undefined && (f.eventMask & seg.eventMask) === 0) return false;
  if (f.srcPorts && !f.srcPorts.some((p) => hasPort(idx.srcPorts, p))) return false;
  if (f.dstPorts && !f.dstPorts.some((p) => hasPort(idx.dstPorts, p))) return false;
  if (f.srcEps && !epHit(idx.srcEp, f.srcEps)) return false;
  if (f.dstEps && !epHit(idx.dstEp, f.dstEps)) return false;
  if (f.srcIp4 && !ipHit(idx.srcIp, f.srcIp4, f.srcIp6, seg)) return false;
  if (f.dstIp4 && !ipHit(idx.dstIp, f.dstIp4, f.dstIp6, seg)) return false;
  return true;
}

/** Only the summary masks (no index blob needed): false when no filter can match the segment. */
export function summaryMayMatch(plan: PrunePlan, seg: SegmentSummary): boolean {
  if (!plan) return true;
  return plan.some(
    (f) =>
      (f.verdictMask === undefined || (f.verdictMask & seg.verdictMask) !== 0) &&
      (f.l4Mask === undefined || (f.l4Mask & seg.l4Mask) !== 0) &&
      (f.eventMask === undefined || (f.eventMask & seg.eventMask) !== 0),
  );
}

/** True when the plan needs the segment's index blob (endpoint, IP or port conditions). */
export function needsIndexes(plan: PrunePlan): boolean {
  return !!plan?.some((f) => f.srcEps || f.dstEps || f.srcIp4 || f.dstIp4 || f.srcPorts || f.dstPorts);
}

/** Candidate row offsets of one filter, or undefined when it does not narrow to rows. */
function filterOffsets(f: FilterPrune, seg: SegmentSummary, idx: SegmentIndexes): number[] | undefined {
  const lists: number[][] = [];
  if (f.srcEps) {
    const o: number[] = [];
    for (const e of f.srcEps) offsetsInRange(idx.srcEp, e, e, o);
    lists.push(o);
  }
  if (f.dstEps) {
    const o: number[] = [];
    for (const e of f.dstEps) offsetsInRange(idx.dstEp, e, e, o);
    lists.push(o);
  }
  if (f.srcIp4 && !(f.srcIp6 && seg.hasNonV4)) {
    const o: number[] = [];
    for (const [lo, hi] of f.srcIp4) offsetsInRange(idx.srcIp, lo, hi, o);
    lists.push(o);
  }
  if (f.dstIp4 && !(f.dstIp6 && seg.hasNonV4)) {
    const o: number[] = [];
    for (const [lo, hi] of f.dstIp4) offsetsInRange(idx.dstIp, lo, hi, o);
    lists.push(o);
  }
  if (lists.length === 0) return undefined;
  lists.sort((a, b) => a.length - b.length);
  let cur = new Set(lists[0]);
  for (const l of lists.slice(1)) {
    const next = new Set<number>();
    for (const x of l) if (cur.has(x)) next.add(x);
    cur = next;
  }
  return [...cur];
}

/**
 * The rows of a segment to read: `none`, `all`, or sorted offsets. Rows outside the candidates cannot
 * match any whitelist filter.
 */
export function segmentCandidates(
  plan: PrunePlan,
  seg: SegmentSummary,
  idx: SegmentIndexes | undefined,
): 'none' | 'all' | number[] {
  if (!plan) return 'all';
  if (!summaryMayMatch(plan, seg)) return 'none';
  if (!idx) return 'all';
  const union = new Set<number>();
  let any = false;
  for (const f of plan) {
    if (!filterMayMatch(f, seg, idx)) continue;
    any = true;
    const o = filterOffsets(f, seg, idx);
    if (o === undefined) return 'all';
    for (const x of o) union.add(x);
  }
  if (!any || union.size === 0) return 'none';
  return [...union].sort((a, b) => a - b);
}

export { EVENT_BIT };
