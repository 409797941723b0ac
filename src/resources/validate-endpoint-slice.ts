// discovery.k8s.io/v1 EndpointSlice: address type, addresses of that type, endpoints and ports.
import { parseIP } from '../net/cidr.js';
import {
  fieldPath,
  itemPath,
  readBool,
  readEnum,
  readInt,
  readList,
  readObject,
  readString,
  readStringList,
} from './field-reader.js';
import { IssueCollector } from './issue-collector.js';
import { dns1123Label, dns1123Subdomain, invalidName } from './k8s-names.js';
import type { EndpointSlice, EndpointSliceEndpoint, Protocol } from './types/index.js';
import { validateObjectMeta } from './validate-meta.js';
import type { ValidateContext, ValidationResult } from './validator.js';

const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'] as const;
const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export function validateEndpointSlice(value: unknown, ctx: ValidateContext): ValidationResult<EndpointSlice> {
  const c = new IssueCollector();
  const obj = readObject(value, '', c) ?? {};
  const metadata = validateObjectMeta(obj.metadata, 'metadata', c, {
    nameFormat: dns1123Subdomain,
    namespaced: true,
    defaultNamespace: ctx.namespace,
    kind: 'EndpointSlice',
  });
  if (metadata.name && !metadata.labels?.[SERVICE_NAME_LABEL]) {
    c.warn(
      'metadata.labels',
      `no ${SERVICE_NAME_LABEL} label: Porin cannot tell which Service this slice belongs to`,
    );
  }
  const addressType = readEnum(obj.addressType, ADDRESS_TYPES, 'addressType', c);
  if (obj.addressType === undefined || obj.addressType === null)
    c.error('addressType', 'addressType is required');
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata,
    addressType: addressType ?? 'IPv4',
    endpoints: [],
  };
  const endpoints = readList(obj.endpoints, 'endpoints', c);
  if (endpoints === undefined && obj.endpoints === undefined)
    c.error('endpoints', 'endpoints is required (it may be empty)');
  slice.endpoints = (endpoints ?? []).flatMap((e, i) => {
    const ep = validateEndpoint(e, itemPath('endpoints', i), c, addressType);
    return ep ? [ep] : [];
  });
  const ports = readList(obj.ports, 'ports', c);
  if (ports) {
    slice.ports = ports.flatMap((p, i) => {
      const path = itemPath('ports', i);
      const o = readObject(p, path, c);
      if (!o) return [];
      const out: NonNullable<EndpointSlice['ports']>[number] = {
        protocol: readEnum(o.protocol, PROTOCOLS, fieldPath(path, 'protocol'), c) ?? 'TCP',
      };
      const name = readString(o.name, fieldPath(path, 'name'), c);
      if (name) {
        const bad = invalidName(name, 'port name', dns1123Label);
        if (bad) c.error(fieldPath(path, 'name'), bad);
        out.name = name;
      }
      const port = readInt(o.port, fieldPath(path, 'port'), c, { min: 1, max: 65535 });
      if (port !== undefined) out.port = port;
      return [out];
    });
  }
  return c.result(slice);
}

function validateEndpoint(
  v: unknown,
  path: string,
  c: IssueCollector,
  addressType: EndpointSlice['addressType'] | undefined,
): EndpointSliceEndpoint | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  const addrPath = fieldPath(path, 'addresses');
  const addresses = readStringList(obj.addresses, addrPath, c) ?? [];
  if (addresses.length === 0) c.error(addrPath, 'must contain at least 1 address');
  if (addresses.length > 100) c.error(addrPath, 'must contain at most 100 addresses');
  addresses.forEach((a, i) => {
    const p = itemPath(addrPath, i);
    if (addressType === 'FQDN') {
      const bad = invalidName(a, 'FQDN', dns1123Subdomain);
      if (bad) c.error(p, bad);
      return;
    }
    const ip = parseIP(a, true);
    if (!ip.ok) c.error(p, `${JSON.stringify(a)} is not a valid IP address: ${ip.error}`);
    else if (addressType && `IPv${ip.value.family}` !== addressType)
      c.error(p, `must be an ${addressType} address`);
  });
  const ep: EndpointSliceEndpoint = { addresses };
  const condPath = fieldPath(path, 'conditions');
  const cond = readObject(obj.conditions, condPath, c);
  if (cond) {
    ep.conditions = {};
    for (const key of ['ready', 'serving', 'terminating'] as const) {
      const b = readBool(cond[key], fieldPath(condPath, key), c);
      if (b !== undefined) ep.conditions[key] = b;
    }
  }
  const nodeName = readString(obj.nodeName, fieldPath(path, 'nodeName'), c);
  if (nodeName) ep.nodeName = nodeName;
  const refPath = fieldPath(path, 'targetRef');
  const ref = readObject(obj.targetRef, refPath, c);
  if (ref) {
    ep.targetRef = {};
    for (const key of ['kind', 'namespace', 'name', 'uid'] as const) {
      const s = readString(ref[key], fieldPath(refPath, key), c);
      if (s) ep.targetRef[key] = s;
    }
  }
  return ep;
}
