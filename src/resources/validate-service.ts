// v1 Service: type, selector, ports (with targetPort defaulting) and cluster IPs.

import {
  describeValue,
  fieldPath,
  itemPath,
  readEnum,
  readInt,
  readIP,
  readList,
  readObject,
  readString,
  readStringList,
} from './field-reader.js';
import { IssueCollector } from './issue-collector.js';
import { dns1035Label, dns1123Label, dns1123Subdomain, ianaPortName, invalidName } from './k8s-names.js';
import type { Protocol, Service, ServicePort } from './types/index.js';
import { validateLabels, validateObjectMeta } from './validate-meta.js';
import { validateServiceTraffic } from './validate-service-traffic.js';
import type { ValidateContext, ValidationResult } from './validator.js';

const TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
const AFFINITIES = ['None', 'ClientIP'] as const;

export function validateService(value: unknown, ctx: ValidateContext): ValidationResult<Service> {
  const c = new IssueCollector();
  const obj = readObject(value, '', c) ?? {};
  const metadata = validateObjectMeta(obj.metadata, 'metadata', c, {
    nameFormat: dns1035Label,
    namespaced: true,
    defaultNamespace: ctx.namespace,
    kind: 'Service',
  });
  const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata, spec: { type: 'ClusterIP' } };
  const spec = readObject(obj.spec, 'spec', c);
  if (!spec) {
    if (obj.spec === undefined || obj.spec === null) c.error('spec', 'spec is required');
    return c.result(svc);
  }
  const type = readEnum(spec.type, TYPES, 'spec.type', c) ?? 'ClusterIP';
  svc.spec.type = type;
  const selector = validateLabels(spec.selector, 'spec.selector', c);
  if (selector) svc.spec.selector = selector;

  const clusterIP = spec.clusterIP === 'None' ? 'None' : readIP(spec.clusterIP, 'spec.clusterIP', c);
  if (clusterIP) svc.spec.clusterIP = clusterIP;
  const clusterIPs = readStringList(spec.clusterIPs, 'spec.clusterIPs', c);
  if (clusterIPs) {
    clusterIPs.forEach((ip, i) => {
      if (ip !== 'None') readIP(ip, itemPath('spec.clusterIPs', i), c);
    });
    if (clusterIPs.length > 2)
      c.error('spec.clusterIPs', 'may not have more than two entries (one per IP family)');
    if (clusterIP && clusterIPs[0] !== undefined && clusterIPs[0] !== clusterIP) {
      c.error('spec.clusterIPs', 'the first entry must match `clusterIP`');
    }
    svc.spec.clusterIPs = clusterIPs;
  }
  const affinity = readEnum(spec.sessionAffinity, AFFINITIES, 'spec.sessionAffinity', c);
  svc.spec.sessionAffinity = affinity ?? 'None';

  const externalName = readString(spec.externalName, 'spec.externalName', c);
  if (type === 'ExternalName') {
    if (!externalName) c.error('spec.externalName', 'externalName is required when `type` is ExternalName');
    else {
      const bad = invalidName(externalName.replace(/\.$/, ''), 'externalName', dns1123Subdomain);
      if (bad) c.error('spec.externalName', bad);
      svc.spec.externalName = externalName;
    }
  }

  const ports = readList(spec.ports, 'spec.ports', c);
  const headless = clusterIP === 'None';
  if ((!ports || ports.length === 0) && type !== 'ExternalName' && !headless) {
    c.error('spec.ports', 'at least one port is required');
  }
  if (ports) {
    const names = new Set<string>();
    svc.spec.ports = ports.flatMap((p, i) => {
      const sp = validateServicePort(p, itemPath('spec.ports', i), c, type, ports.length > 1, names);
      return sp ? [sp] : [];
    });
  }
  validateServiceTraffic(spec, svc, c);
  return c.result(svc);
}

function validateServicePort(
  v: unknown,
  path: string,
  c: IssueCollector,
  type: Service['spec']['type'],
  multiple: boolean,
  names: Set<string>,
): ServicePort | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  const portPath = fieldPath(path, 'port');
  const port = readInt(obj.port, portPath, c, { min: 1, max: 65535 });
  if (obj.port === undefined || obj.port === null) c.error(portPath, 'port is required');
  const out: ServicePort = {
    port: port ?? 0,
    protocol: readEnum(obj.protocol, PROTOCOLS, fieldPath(path, 'protocol'), c) ?? 'TCP',
  };
  const namePath = fieldPath(path, 'name');
  const name = readString(obj.name, namePath, c);
  if (name) {
    const bad = invalidName(name, 'port name', dns1123Label);
    if (bad) c.error(namePath, bad);
    if (names.has(name)) c.error(namePath, `duplicate port name ${JSON.stringify(name)}`);
    names.add(name);
    out.name = name;
  } else if (multiple) {
    c.error(namePath, 'name is required when a Service has more than one port');
  }

  const tpPath = fieldPath(path, 'targetPort');
  const tp = obj.targetPort;
  if (typeof tp === 'number') {
    const n = readInt(tp, tpPath, c, { min: 1, max: 65535 });
    if (n !== undefined) out.targetPort = n;
  } else if (typeof tp === 'string' && tp !== '') {
    const bad = invalidName(tp, 'port name', ianaPortName);
    if (bad) c.error(tpPath, bad);
    out.targetPort = tp;
  } else if (tp !== undefined && tp !== null && tp !== '') {
    c.error(tpPath, `must be a port number or an IANA port name, got ${describeValue(tp)}`);
  }
  // Defaulting: targetPort is the port itself unless given.
  if (out.targetPort === undefined && port !== undefined) out.targetPort = port;

  const nodePort = readInt(obj.nodePort, fieldPath(path, 'nodePort'), c, { min: 0, max: 65535 });
  if (nodePort) {
    if (type !== 'NodePort' && type !== 'LoadBalancer') {
      c.error(fieldPath(path, 'nodePort'), `may not be used when \`type\` is '${type}'`);
    }
    out.nodePort = nodePort;
  }
  return out;
}
