// networking.k8s.io/v1 NetworkPolicy: the apiserver's validation and defaulting, with strict field checks in spec.
import { type Prefix, parsePrefix, prefixContains } from '../net/cidr.js';
import {
  checkKnownFields,
  describeValue,
  fieldPath,
  itemPath,
  readEnum,
  readInt,
  readList,
  readObject,
  readString,
} from './field-reader.js';
import { IssueCollector } from './issue-collector.js';
import { dns1123Subdomain, ianaPortName, invalidName } from './k8s-names.js';
import type {
  IPBlock,
  NetworkPolicy,
  NetworkPolicyEgressRule,
  NetworkPolicyIngressRule,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  PolicyType,
  Protocol,
} from './types/index.js';
import { validateObjectMeta } from './validate-meta.js';
import { validateLabelSelector } from './validate-selector.js';
import type { ValidateContext, ValidationResult } from './validator.js';

const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES: readonly PolicyType[] = ['Ingress', 'Egress'];

export function validateNetworkPolicy(value: unknown, ctx: ValidateContext): ValidationResult<NetworkPolicy> {
  const c = new IssueCollector();
  const obj = readObject(value, '', c) ?? {};
  const metadata = validateObjectMeta(obj.metadata, 'metadata', c, {
    nameFormat: dns1123Subdomain,
    namespaced: true,
    defaultNamespace: ctx.namespace,
    kind: 'NetworkPolicy',
  });
  const spec = readObject(obj.spec, 'spec', c);
  if (obj.spec === undefined || obj.spec === null) {
    c.warn('spec', 'spec is missing: this policy selects every pod in the namespace and denies all ingress');
  }
  const raw = spec ?? {};
  checkKnownFields(raw, ['podSelector', 'ingress', 'egress', 'policyTypes'], 'spec', c);

  if (spec && (raw.podSelector === undefined || raw.podSelector === null)) {
    c.warn(
      'spec.podSelector',
      'podSelector is missing, so it selects every pod in the namespace: write `podSelector: {}` to say so',
    );
  }
  const podSelector = validateLabelSelector(raw.podSelector, 'spec.podSelector', c) ?? {};
  const out: NetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata,
    spec: { podSelector },
  };

  const ingress = readList(raw.ingress, 'spec.ingress', c);
  if (ingress) {
    out.spec.ingress = ingress.map((r, i) => validateRule(r, itemPath('spec.ingress', i), 'from', c));
  }
  const egress = readList(raw.egress, 'spec.egress', c);
  if (egress) {
    out.spec.egress = egress.map((r, i) => validateRule(r, itemPath('spec.egress', i), 'to', c));
  }

  const types = readList(raw.policyTypes, 'spec.policyTypes', c);
  if (types && types.length > 2) c.error('spec.policyTypes', 'may not specify more than two policyTypes');
  const policyTypes = (types ?? []).flatMap((t, i) => {
    const pt = readEnum(t, POLICY_TYPES, itemPath('spec.policyTypes', i), c);
    return pt ? [pt] : [];
  });
  // Defaulting (pkg/apis/networking/v1/defaults.go): Ingress always, Egress when there are egress rules.
  if (!types || types.length === 0) {
    policyTypes.push('Ingress');
    if (egress && egress.length > 0) policyTypes.push('Egress');
  }
  out.spec.policyTypes = policyTypes;
  return c.result(out);
}

function validateRule(
  v: unknown,
  path: string,
  peersKey: 'from' | 'to',
  c: IssueCollector,
): NetworkPolicyIngressRule & NetworkPolicyEgressRule {
  const rule: NetworkPolicyIngressRule & NetworkPolicyEgressRule = {};
  const obj = readObject(v, path, c);
  if (!obj) return rule;
  checkKnownFields(obj, [peersKey, 'ports'], path, c);
  const peersPath = fieldPath(path, peersKey);
  const peers = readList(obj[peersKey], peersPath, c);
  if (peers) rule[peersKey] = peers.map((p, i) => validatePeer(p, itemPath(peersPath, i), c));
  const portsPath = fieldPath(path, 'ports');
  const ports = readList(obj.ports, portsPath, c);
  if (ports) rule.ports = ports.map((p, i) => validatePort(p, itemPath(portsPath, i), c));
  return rule;
}

function validatePeer(v: unknown, path: string, c: IssueCollector): NetworkPolicyPeer {
  const peer: NetworkPolicyPeer = {};
  const obj = readObject(v, path, c);
  if (!obj) {
    if (v === null || v === undefined) c.error(path, 'must specify a peer');
    return peer;
  }
  checkKnownFields(obj, ['podSelector', 'namespaceSelector', 'ipBlock'], path, c);
  const pod = validateLabelSelector(obj.podSelector, fieldPath(path, 'podSelector'), c);
  if (pod) peer.podSelector = pod;
  const ns = validateLabelSelector(obj.namespaceSelector, fieldPath(path, 'namespaceSelector'), c);
  if (ns) peer.namespaceSelector = ns;
  const ipBlock = validateIPBlock(obj.ipBlock, fieldPath(path, 'ipBlock'), c);
  if (ipBlock) peer.ipBlock = ipBlock;
  const present = ['podSelector', 'namespaceSelector', 'ipBlock'].filter(
    (k) => obj[k] !== undefined && obj[k] !== null,
  );
  if (present.length === 0) c.error(path, 'must specify a peer');
  else if (present.includes('ipBlock') && present.length > 1) {
    c.error(path, 'may not specify both ipBlock and another peer');
  }
  return peer;
}

function validateIPBlock(v: unknown, path: string, c: IssueCollector): IPBlock | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  checkKnownFields(obj, ['cidr', 'except'], path, c);
  const cidrPath = fieldPath(path, 'cidr');
  const cidr = readString(obj.cidr, cidrPath, c);
  let outer: Prefix | undefined;
  if (cidr === undefined || cidr === '') {
    if (typeof obj.cidr !== 'number') c.error(cidrPath, 'cidr is required');
  } else {
    outer = strictCIDR(cidr, cidrPath, c);
  }
  const block: IPBlock = { cidr: cidr ?? '' };
  const exceptPath = fieldPath(path, 'except');
  const except = readList(obj.except, exceptPath, c);
  if (except) {
    block.except = [];
    except.forEach((e, i) => {
      const p = itemPath(exceptPath, i);
      const s = readString(e, p, c);
      if (s === undefined) {
        if (e === null || e === undefined) c.error(p, 'must be a valid CIDR, got null');
        return;
      }
      block.except?.push(s);
      const inner = strictCIDR(s, p, c);
      if (inner && outer && !(prefixContains(outer, inner) && inner.bits > outer.bits)) {
        c.error(p, `${JSON.stringify(s)} must be a strict subset of \`cidr\` (${cidr})`);
      }
    });
  }
  return block;
}

/** Kubernetes' strict CIDR parsing (StrictIPCIDRValidation): no leading zeros, no host bits. */
function strictCIDR(s: string, path: string, c: IssueCollector): Prefix | undefined {
  const r = parsePrefix(s, true);
  if (r.ok) return r.value;
  c.error(path, `${JSON.stringify(s)} is not a valid CIDR: ${r.error}`);
  return undefined;
}

function validatePort(v: unknown, path: string, c: IssueCollector): NetworkPolicyPort {
  const obj = readObject(v, path, c);
  // Defaulting: every port's protocol is TCP unless it says otherwise.
  const port: NetworkPolicyPort = { protocol: 'TCP' };
  if (!obj) return port;
  checkKnownFields(obj, ['protocol', 'port', 'endPort'], path, c);
  const protocol = readEnum(obj.protocol, PROTOCOLS, fieldPath(path, 'protocol'), c);
  if (protocol) port.protocol = protocol;

  const portPath = fieldPath(path, 'port');
  const p = obj.port;
  if (typeof p === 'number') {
    const n = readInt(p, portPath, c, { min: 1, max: 65535 });
    if (n !== undefined) port.port = n;
  } else if (typeof p === 'string') {
    const bad = invalidName(p, 'port name', ianaPortName);
    if (bad) c.error(portPath, bad);
    port.port = p;
  } else if (p !== undefined && p !== null) {
    c.error(portPath, `must be a port number or an IANA port name, got ${describeValue(p)}`);
  }

  const endPath = fieldPath(path, 'endPort');
  if (obj.endPort !== undefined && obj.endPort !== null) {
    if (p === undefined || p === null) c.error(endPath, 'may not be specified when `port` is not specified');
    else if (typeof p === 'string') c.error(endPath, 'may not be specified when `port` is non-numeric');
    else if (typeof obj.endPort === 'number' && typeof p === 'number' && obj.endPort < p) {
      c.error(endPath, 'must be greater than or equal to `port`');
    }
    const end = readInt(obj.endPort, endPath, c, { min: 1, max: 65535 });
    if (end !== undefined) port.endPort = end;
  }
  return port;
}
