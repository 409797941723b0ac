// porin.io/v1alpha1 ExternalHost: hostnames, documentation-range addresses only, ports, TTL.
import {
  DOCUMENTATION_RANGES,
  isDocumentationAddress,
  WORLD_DNS_ADDRESS,
} from '../net/documentation-ranges.js';
import {
  checkKnownFields,
  fieldPath,
  itemPath,
  readEnum,
  readInt,
  readIP,
  readList,
  readObject,
  readStringList,
} from './field-reader.js';
import { IssueCollector } from './issue-collector.js';
import { dns1123Subdomain, invalidName } from './k8s-names.js';
import type { ExternalHost, ExternalHostPort } from './types/index.js';
import { validateObjectMeta } from './validate-meta.js';
import type { ValidateContext, ValidationResult } from './validator.js';

const PROTOCOLS = ['TCP', 'UDP'] as const;
const MAX_TTL = 604800;

export function validateExternalHost(value: unknown, ctx: ValidateContext): ValidationResult<ExternalHost> {
  const c = new IssueCollector();
  const obj = readObject(value, '', c) ?? {};
  checkKnownFields(obj, ['apiVersion', 'kind', 'metadata', 'spec', 'status'], '', c);
  const metadata = validateObjectMeta(obj.metadata, 'metadata', c, {
    nameFormat: dns1123Subdomain,
    namespaced: false,
    defaultNamespace: ctx.namespace,
    kind: 'ExternalHost',
  });
  const host: ExternalHost = {
    apiVersion: 'porin.io/v1alpha1',
    kind: 'ExternalHost',
    metadata,
    spec: { hostnames: [], addresses: [], ports: [] },
  };
  const spec = readObject(obj.spec, 'spec', c);
  if (!spec) {
    if (obj.spec === undefined || obj.spec === null) c.error('spec', 'spec is required');
    return c.result(host);
  }
  checkKnownFields(spec, ['hostnames', 'addresses', 'ports', 'ttl'], 'spec', c);
  host.spec.hostnames = hostnames(spec.hostnames, c);
  host.spec.addresses = addresses(spec.addresses, c);
  host.spec.ports = ports(spec.ports, c);
  const ttl = readInt(spec.ttl, 'spec.ttl', c, { min: 0, max: MAX_TTL });
  if (ttl !== undefined) host.spec.ttl = ttl;
  return c.result(host);
}

function hostnames(v: unknown, c: IssueCollector): string[] {
  const list = readStringList(v, 'spec.hostnames', c) ?? [];
  const seen = new Set<string>();
  list.forEach((h, i) => {
    const p = itemPath('spec.hostnames', i);
    const bad = invalidName(h, 'hostname', dns1123Subdomain);
    if (bad) c.error(p, `${bad} (a DNS name such as "api.github.com"; no wildcards, no trailing dot)`);
    else if (/^[0-9.]+$/.test(h)) c.error(p, `${JSON.stringify(h)} is an address, not a hostname`);
    if (seen.has(h)) c.error(p, `duplicate hostname ${JSON.stringify(h)}`);
    seen.add(h);
  });
  return list;
}

function addresses(v: unknown, c: IssueCollector): string[] {
  const list = readList(v, 'spec.addresses', c);
  if (!list || list.length === 0) {
    c.error('spec.addresses', 'at least one address is required');
    return [];
  }
  const out: string[] = [];
  list.forEach((a, i) => {
    const p = itemPath('spec.addresses', i);
    const ip = readIP(a, p, c);
    if (ip === undefined) {
      if (a === '' || a === null) c.error(p, 'must be an IP address');
      return;
    }
    if (!isDocumentationAddress(ip)) {
      c.error(
        p,
        `${ip} is outside the documentation ranges (${DOCUMENTATION_RANGES.join(', ')}): an ExternalHost may not shadow a real address`,
      );
    } else if (ip === WORLD_DNS_ADDRESS) {
      c.error(p, `${ip} is the world's DNS server; pick another address`);
    }
    if (out.includes(ip)) c.error(p, `duplicate address ${ip}`);
    out.push(ip);
  });
  return out;
}

function ports(v: unknown, c: IssueCollector): ExternalHostPort[] {
  const list = readList(v, 'spec.ports', c) ?? [];
  const out: ExternalHostPort[] = [];
  list.forEach((x, i) => {
    const p = itemPath('spec.ports', i);
    const o = readObject(x, p, c);
    if (!o) return;
    checkKnownFields(o, ['port', 'protocol'], p, c);
    const port = readInt(o.port, fieldPath(p, 'port'), c, { min: 1, max: 65535 });
    if (o.port === undefined || o.port === null) c.error(fieldPath(p, 'port'), 'port is required');
    let protocol: ExternalHostPort['protocol'] | undefined = 'TCP';
    if (o.protocol === 'SCTP') {
      c.error(fieldPath(p, 'protocol'), 'SCTP cannot be served: this kernel has no SCTP sockets');
      protocol = undefined;
    } else if (o.protocol !== undefined && o.protocol !== null) {
      protocol = readEnum(o.protocol, PROTOCOLS, fieldPath(p, 'protocol'), c);
    }
    if (port === undefined || !protocol) return;
    if (out.some((q) => q.port === port && q.protocol === protocol))
      c.error(p, `duplicate port ${port}/${protocol}`);
    out.push({ port, protocol });
  });
  return out;
}
