// Cilium toPorts (PortRule / PortProtocol) and icmps: the CRD schema plus the agent's sanitizer rules.

import {
  checkKnownFields,
  fieldPath,
  itemPath,
  readInt,
  readList,
  readObject,
  readString,
  unsupportedValue,
} from './field-reader.js';
import type { IssueCollector } from './issue-collector.js';
import { isCiliumServiceName } from './k8s-names.js';
import type { CiliumProtocol, PortProtocol, PortRule } from './types/index.js';
import { type L7Type, validateL7Rules } from './validate-cilium-l7.js';
import { validateListener, validateServerNames, validateTLSContext } from './validate-cilium-listener.js';
import { mapList } from './validate-cilium-peers.js';

const PROTOCOLS: readonly CiliumProtocol[] = [
  'TCP',
  'UDP',
  'SCTP',
  'VRRP',
  'IGMP',
  'GRE',
  'IPIP',
  'IPV6',
  'ESP',
  'AH',
  'ANY',
];
const EXTENDED: ReadonlySet<string> = new Set(['VRRP', 'IGMP', 'GRE', 'IPIP', 'IPV6', 'ESP', 'AH']);
const MAX_PORTS = 40;

export interface PortRuleOptions {
  ingress: boolean;
  /** ingressDeny/egressDeny take only `ports` (Cilium's PortDenyRule). */
  deny: boolean;
  /** The rule has a nodeSelector. */
  hostPolicy: boolean;
}

export function validatePortRules(
  v: unknown,
  path: string,
  c: IssueCollector,
  opts: PortRuleOptions,
): PortRule[] | undefined {
  return mapList(v, path, c, (x, p) => validatePortRule(x, p, c, opts));
}

function validatePortRule(
  v: unknown,
  path: string,
  c: IssueCollector,
  opts: PortRuleOptions,
): PortRule | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  const known = opts.deny
    ? ['ports']
    : ['ports', 'rules', 'serverNames', 'terminatingTLS', 'originatingTLS', 'listener'];
  checkKnownFields(obj, known, path, c);
  const out: PortRule = {};

  const rulesPath = fieldPath(path, 'rules');
  const l7 = opts.deny ? undefined : validateL7Rules(obj.rules, rulesPath, c);
  if (l7) out.rules = l7.rules;
  const types: L7Type[] = l7?.types ?? [];
  const hasL7 = types.some((t) => t !== 'L7') || l7?.rules.l7 !== undefined;
  const hasDNS = types.includes('DNS');
  if (opts.ingress && hasDNS) c.error(fieldPath(rulesPath, 'dns'), 'DNS rules are not allowed on ingress');
  if (hasL7 && opts.hostPolicy) {
    if (opts.ingress) c.error(rulesPath, 'L7 policy is not supported on host ingress yet');
    else {
      for (const t of types) {
        if (t === 'HTTP' || t === 'Kafka')
          c.error(rulesPath, `L7 protocol ${t} is not supported on host egress yet`);
      }
    }
  }

  if (!opts.deny) {
    const serverNames = validateServerNames(obj.serverNames, fieldPath(path, 'serverNames'), c);
    if (serverNames) out.serverNames = serverNames;
    const terminating = validateTLSContext(obj.terminatingTLS, fieldPath(path, 'terminatingTLS'), c);
    if (terminating) out.terminatingTLS = terminating;
    const originating = validateTLSContext(obj.originatingTLS, fieldPath(path, 'originatingTLS'), c);
    if (originating) out.originatingTLS = originating;
    if (serverNames && serverNames.length > 0 && hasL7 && !terminating) {
      c.error(
        fieldPath(path, 'serverNames'),
        'ServerNames are not allowed with L7 rules without TLS termination',
      );
    }
    const listenerPath = fieldPath(path, 'listener');
    const listener = validateListener(obj.listener, listenerPath, c);
    if (listener) {
      out.listener = listener;
      if (opts.ingress) c.error(listenerPath, `Listener is not allowed on ingress (${listener.name})`);
      if (hasL7) c.error(listenerPath, `Listener is not allowed with L7 rules (${listener.name})`);
    }
  }

  const portsPath = fieldPath(path, 'ports');
  const ports = readList(obj.ports, portsPath, c);
  if (ports && ports.length > MAX_PORTS) c.error(portsPath, `too many ports, the max is ${MAX_PORTS}`);
  let zeroPort = false;
  if (ports) {
    out.ports = [];
    ports.forEach((p, i) => {
      const pp = validatePortProtocol(p, itemPath(portsPath, i), c, hasDNS);
      if (!pp) return;
      out.ports?.push(pp.port);
      if (pp.isZero) zeroPort = true;
      // DNS rules may use TCP, UDP or ANY; every other L7 rule needs TCP.
      if (hasL7 && !hasDNS && pp.port.protocol !== 'TCP') {
        const hint = pp.protocolOmitted ? ' (an omitted protocol means ANY: add `protocol: TCP`)' : '';
        c.error(
          fieldPath(itemPath(portsPath, i), 'protocol'),
          `L7 rules can only apply to TCP (not ${pp.port.protocol}) except for DNS rules${hint}`,
        );
      }
    });
  }
  if (hasL7 && zeroPort) c.error(portsPath, 'L7 rules can not be used when a port is 0');
  if (hasDNS && (!ports || ports.length === 0)) c.error(portsPath, 'port 53 must be specified for DNS rules');
  return out;
}

interface CheckedPort {
  port: PortProtocol;
  isZero: boolean;
  protocolOmitted: boolean;
}

function validatePortProtocol(
  v: unknown,
  path: string,
  c: IssueCollector,
  hasDNS: boolean,
): CheckedPort | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  checkKnownFields(obj, ['port', 'endPort', 'protocol'], path, c);

  const protoPath = fieldPath(path, 'protocol');
  const rawProto = readString(obj.protocol, protoPath, c);
  let protocol: CiliumProtocol = 'ANY';
  const protocolOmitted = rawProto === undefined || rawProto === '';
  if (rawProto) {
    const upper = rawProto.toUpperCase();
    if ((PROTOCOLS as readonly string[]).includes(upper)) {
      protocol = upper as CiliumProtocol;
      if (upper !== rawProto) {
        c.warn(
          protoPath,
          `${JSON.stringify(rawProto)} is read as ${JSON.stringify(upper)}, but the CRD schema only accepts ${JSON.stringify(upper)}: write it in upper case`,
        );
      }
    } else {
      const hint = upper.startsWith('ICMP') ? ' (ICMP is matched with an `icmps` block, not toPorts)' : '';
      c.error(protoPath, `${unsupportedValue(rawProto, PROTOCOLS)}${hint}`);
    }
  }
  const out: PortProtocol = { protocol };

  const portPath = fieldPath(path, 'port');
  let portText: string | undefined;
  if (typeof obj.port === 'number') {
    portText = String(obj.port);
    c.warn(portPath, `the CRD schema requires a string: write "${portText}"`);
  } else {
    portText = readString(obj.port, portPath, c);
  }
  let isZero = false;
  let portNum: number | undefined;
  if (portText === undefined || portText === '') {
    if (!EXTENDED.has(protocol)) c.error(portPath, 'port must be specified');
  } else if (isCiliumServiceName(portText)) {
    // IANA names are case-insensitive; Cilium lower-cases them.
    out.port = portText.toLowerCase();
    if (EXTENDED.has(protocol)) c.error(portPath, 'port must be empty or 0');
  } else if (/^[0-9]+$/.test(portText)) {
    portNum = parsePortNumber(portText, portPath, c);
    if (portNum !== undefined) {
      out.port = String(portNum);
      isZero = portNum === 0;
      if (EXTENDED.has(protocol) && !isZero) c.error(portPath, 'port must be empty or 0');
    }
  } else {
    c.error(
      portPath,
      `${JSON.stringify(portText)} is not a valid port name: a port is a number 0-65535 or an IANA service name (1-15 letters, digits and single inner hyphens, with at least one letter)`,
    );
  }

  const endPath = fieldPath(path, 'endPort');
  const endPort = readInt(obj.endPort, endPath, c, { min: 0, max: 65535 });
  if (endPort !== undefined) {
    out.endPort = endPort;
    if (hasDNS && portNum !== undefined && endPort > portNum)
      c.error(endPath, 'DNS rules do not support port ranges');
    else if (portNum !== undefined && endPort !== 0 && endPort < portNum) {
      c.warn(
        endPath,
        `endPort ${endPort} is less than port ${portNum}: Cilium ignores it and matches only port ${portNum}`,
      );
    } else if (out.port !== undefined && portNum === undefined && endPort !== 0) {
      c.warn(endPath, 'endPort is ignored with a named port');
    }
  }
  return { port: out, isZero, protocolOmitted };
}

/** Decimal, or octal with a leading 0 (Cilium parses ports with Go's base-0 ParseUint). */
function parsePortNumber(text: string, path: string, c: IssueCollector): number | undefined {
  let n: number;
  if (text.length > 1 && text.startsWith('0')) {
    if (!/^[0-7]+$/.test(text)) {
      c.error(path, `unable to parse port ${JSON.stringify(text)}: a leading 0 makes it octal`);
      return undefined;
    }
    n = Number.parseInt(text, 8);
    c.warn(
      path,
      `${JSON.stringify(text)} is read as octal ${n} (Cilium parses a leading 0 as octal): write "${n}"`,
    );
  } else {
    n = Number(text);
  }
  if (n > 65535) {
    c.error(path, `${JSON.stringify(text)} is not a valid port: must be between 0 and 65535`);
    return undefined;
  }
  return n;
}
