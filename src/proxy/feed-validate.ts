// Checks feed messages from the agent field by field; a malformed message is refused whole, naming the field.
import type { AgentMessage, PolicySnapshot } from './feed-protocol.js';
import { PARSER_TYPES } from './feed-protocol.js';

export class FeedError extends Error {
  readonly code = 'PORIN_PROXY_FEED_INVALID';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

type Obj = Record<string, unknown>;

function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FeedError(path, 'must be an object');
  return v as Obj;
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new FeedError(path, 'must be a list');
  return v;
}

/** Checks every element of a list with `check(element, path[i])`. */
function each(v: unknown, path: string, check: (x: unknown, p: string) => unknown): void {
  const list = arr(v, path);
  for (let i = 0; i < list.length; i++) check(list[i], `${path}[${i}]`);
}

function int(v: unknown, path: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
    throw new FeedError(path, `must be an integer in ${lo}..${hi}`);
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new FeedError(path, 'must be a string');
  return v;
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new FeedError(path, 'must be true or false');
  return v;
}

function optStr(o: Obj, k: string, path: string): void {
  if (o[k] !== undefined) str(o[k], `${path}.${k}`);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function ipv4(v: unknown, path: string): string {
  const s = str(v, path);
  if (!IPV4.test(s)) throw new FeedError(path, `"${s}" is not an IPv4 address`);
  return s;
}

function prefix(v: unknown, path: string): string {
  const s = str(v, path);
  const [a, b, extra] = s.split('/');
  if (extra !== undefined || b === undefined || !IPV4.test(a!) || !/^\d+$/.test(b) || Number(b) > 32)
    throw new FeedError(path, `"${s}" is not an IPv4 prefix`);
  return s;
}

function policyRef(v: unknown, path: string): void {
  const o = obj(v, path);
  str(o.kind, `${path}.kind`);
  str(o.name, `${path}.name`);
  optStr(o, 'namespace', path);
  if (o.spec !== undefined) int(o.spec, `${path}.spec`, 0, 1 << 20);
}

function origin(v: unknown, path: string): void {
  policyRef(v, path);
  const o = v as Obj;
  str(o.section, `${path}.section`);
  int(o.rule, `${path}.rule`, 0, 1 << 20);
}

function l7Rules(v: unknown, path: string): void {
  const o = obj(v, path);
  const type = str(o.type, `${path}.type`);
  if (type !== 'http' && type !== 'dns' && type !== 'kafka')
    throw new FeedError(`${path}.type`, 'must be http, dns or kafka');
  const rules = arr(o[type], `${path}.${type}`);
  rules.forEach((r, i) => {
    const p = `${path}.${type}[${i}]`;
    const ro = obj(r, p);
    for (const [k, x] of Object.entries(ro)) {
      if (k === 'headers') each(x, `${p}.headers`, str);
      else if (k === 'headerMatches') each(x, `${p}.headerMatches`, obj);
      else str(x, `${p}.${k}`);
    }
  });
  if (o.origin !== undefined) origin(o.origin, `${path}.origin`);
  if (o.toPorts !== undefined) int(o.toPorts, `${path}.toPorts`, 0, 1 << 20);
}

function direction(v: unknown, path: string): void {
  const o = obj(v, path);
  bool(o.defaultDeny, `${path}.defaultDeny`);
  bool(o.allowLocalhost, `${path}.allowLocalhost`);
  const enf = str(o.enforcement, `${path}.enforcement`);
  if (enf !== 'default' && enf !== 'always' && enf !== 'never')
    throw new FeedError(`${path}.enforcement`, 'must be default, always or never');
  each(o.defaultDenyBy, `${path}.defaultDenyBy`, policyRef);
  arr(o.entries, `${path}.entries`).forEach((e, i) => {
    const p = `${path}.entries[${i}]`;
    const eo = obj(e, p);
    const peer = obj(eo.peer, `${p}.peer`);
    if (peer.identity !== undefined) int(peer.identity, `${p}.peer.identity`, 0, 0x7fffffff);
    else prefix(peer.prefix, `${p}.peer.prefix`);
    int(eo.protocol, `${p}.protocol`, 0, 255);
    const lo = int(eo.portLo, `${p}.portLo`, 0, 65535);
    const hi = int(eo.portHi, `${p}.portHi`, 0, 65535);
    if (hi < lo) throw new FeedError(`${p}.portHi`, 'is below portLo');
    bool(eo.deny, `${p}.deny`);
    each(eo.origins, `${p}.origins`, origin);
    if (eo.l7 !== undefined) each(eo.l7, `${p}.l7`, l7Rules);
  });
}

function endpointPolicy(v: unknown, path: string): void {
  const o = obj(v, path);
  direction(o.ingress, `${path}.ingress`);
  direction(o.egress, `${path}.egress`);
}

export function validateSnapshot(v: unknown, path = 'snapshot'): PolicySnapshot {
  const o = obj(v, path);
  int(o.revision, `${path}.revision`, 0, Number.MAX_SAFE_INTEGER);
  const ports = new Set<number>();
  arr(o.listeners, `${path}.listeners`).forEach((l, i) => {
    const p = `${path}.listeners[${i}]`;
    const lo = obj(l, p);
    const type = str(lo.type, `${p}.type`);
    if (!(PARSER_TYPES as readonly string[]).includes(type))
      throw new FeedError(`${p}.type`, `must be one of ${PARSER_TYPES.join(', ')}`);
    const port = int(lo.port, `${p}.port`, 1, 65535);
    if (ports.has(port)) throw new FeedError(`${p}.port`, `port ${port} is used by two listeners`);
    ports.add(port);
  });
  const ips = new Set<string>();
  arr(o.endpoints, `${path}.endpoints`).forEach((e, i) => {
    const p = `${path}.endpoints[${i}]`;
    const eo = obj(e, p);
    str(eo.name, `${p}.name`);
    const ip = ipv4(eo.ip, `${p}.ip`);
    if (ips.has(ip)) throw new FeedError(`${p}.ip`, `${ip} is listed twice`);
    ips.add(ip);
    int(eo.identity, `${p}.identity`, 0, 0x7fffffff);
    int(eo.endpointId, `${p}.endpointId`, 0, 0xffff);
    endpointPolicy(eo.policy, `${p}.policy`);
    if (eo.audit !== undefined) endpointPolicy(eo.audit, `${p}.audit`);
  });
  arr(o.ipcache, `${path}.ipcache`).forEach((x, i) => {
    const p = `${path}.ipcache[${i}]`;
    const pair = arr(x, p);
    if (pair.length !== 2) throw new FeedError(p, 'must be [prefix, identity]');
    prefix(pair[0], `${p}[0]`);
    int(pair[1], `${p}[1]`, 0, 0x7fffffff);
  });
  return v as PolicySnapshot;
}

/** Parses one line from the agent; throws FeedError naming what is wrong. */
export function parseAgentMessage(line: string): AgentMessage {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new FeedError('message', `not JSON: ${(e as Error).message}`);
  }
  const o = obj(v, 'message');
  switch (o.type) {
    case 'snapshot':
      validateSnapshot(o.snapshot);
      return o as unknown as AgentMessage;
    case 'status':
      int(o.id, 'message.id', 0, Number.MAX_SAFE_INTEGER);
      return o as unknown as AgentMessage;
    default:
      throw new FeedError('message.type', `unknown message type ${JSON.stringify(o.type)}`);
  }
}
