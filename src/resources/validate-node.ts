// v1 Node: pod CIDRs (strict, one per family) and addresses.
import { type Prefix, parsePrefix } from '../net/cidr.js';
import {
  fieldPath,
  itemPath,
  readEnum,
  readIP,
  readList,
  readObject,
  readString,
  readStringList,
} from './field-reader.js';
import { IssueCollector } from './issue-collector.js';
import { dns1123Subdomain } from './k8s-names.js';
import type { Node, NodeAddress } from './types/index.js';
import { validateObjectMeta } from './validate-meta.js';
import type { ValidateContext, ValidationResult } from './validator.js';

const ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS'] as const;

export function validateNode(value: unknown, ctx: ValidateContext): ValidationResult<Node> {
  const c = new IssueCollector();
  const obj = readObject(value, '', c) ?? {};
  const metadata = validateObjectMeta(obj.metadata, 'metadata', c, {
    nameFormat: dns1123Subdomain,
    namespaced: false,
    defaultNamespace: ctx.namespace,
    kind: 'Node',
  });
  const node: Node = { apiVersion: 'v1', kind: 'Node', metadata };
  const spec = readObject(obj.spec, 'spec', c);
  if (spec) {
    node.spec = {};
    const podCIDR = readString(spec.podCIDR, 'spec.podCIDR', c);
    if (podCIDR) {
      checkCIDR(podCIDR, 'spec.podCIDR', c);
      node.spec.podCIDR = podCIDR;
    }
    const podCIDRs = readStringList(spec.podCIDRs, 'spec.podCIDRs', c);
    if (podCIDRs) {
      const families = new Set<number>();
      podCIDRs.forEach((s, i) => {
        const p = checkCIDR(s, itemPath('spec.podCIDRs', i), c);
        if (p && families.has(p.family)) {
          c.error(itemPath('spec.podCIDRs', i), 'may specify no more than one CIDR for each IP family');
        }
        if (p) families.add(p.family);
      });
      if (podCIDR && podCIDRs[0] !== undefined && podCIDRs[0] !== podCIDR) {
        c.error('spec.podCIDRs', 'the first entry must match `podCIDR`');
      }
      node.spec.podCIDRs = podCIDRs;
    }
  }
  const status = readObject(obj.status, 'status', c);
  const addresses = status ? readList(status.addresses, 'status.addresses', c) : undefined;
  if (addresses) {
    node.status = {
      addresses: addresses.flatMap((a, i): NodeAddress[] => {
        const p = itemPath('status.addresses', i);
        const o = readObject(a, p, c);
        if (!o) return [];
        const type = readEnum(o.type, ADDRESS_TYPES, fieldPath(p, 'type'), c);
        const address =
          type === 'InternalIP' || type === 'ExternalIP'
            ? readIP(o.address, fieldPath(p, 'address'), c)
            : readString(o.address, fieldPath(p, 'address'), c);
        return type && address ? [{ type, address }] : [];
      }),
    };
  }
  return c.result(node);
}

function checkCIDR(s: string, path: string, c: IssueCollector): Prefix | undefined {
  const r = parsePrefix(s, true);
  if (r.ok) return r.value;
  c.error(path, `${JSON.stringify(s)} is not a valid CIDR: ${r.error}`);
  return undefined;
}
