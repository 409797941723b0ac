// Cilium L3 peers: CIDRs, CIDR sets, entities, FQDN selectors, services and groups.
import { type Prefix, parsePrefix, prefixContains } from '../net/cidr.js';
import {
  checkKnownFields,
  fieldPath,
  itemPath,
  readList,
  readObject,
  readString,
  unsupportedValue,
} from './field-reader.js';
import type { IssueCollector } from './issue-collector.js';
import { dns1123Subdomain, invalidName } from './k8s-names.js';
import type { CIDRRule, Entity, FQDNSelector, ServiceSelector } from './types/index.js';
import { validateLabelSelector } from './validate-selector.js';

export const ENTITIES: readonly Entity[] = [
  'all',
  'world',
  'world-ipv4',
  'world-ipv6',
  'cluster',
  'cluster-mesh',
  'host',
  'init',
  'ingress',
  'unmanaged',
  'remote-node',
  'health',
  'none',
  'kube-apiserver',
];

/** Maps each item of a list through `item`, dropping the ones it rejects. */
export function mapList<T>(
  v: unknown,
  path: string,
  c: IssueCollector,
  item: (value: unknown, path: string) => T | undefined,
): T[] | undefined {
  const list = readList(v, path, c);
  if (!list) return undefined;
  return list.flatMap((x, i) => {
    const r = item(x, itemPath(path, i));
    return r === undefined ? [] : [r];
  });
}

/**
 * A prefix as Cilium reads it (`netip.ParsePrefix`): a length is required, leading zeros are
 * rejected, host bits are allowed (and cleared, with a warning).
 */
export function ciliumPrefix(s: string, path: string, c: IssueCollector): Prefix | undefined {
  if (s === '') {
    c.error(path, 'a CIDR must be specified');
    return undefined;
  }
  if (!s.includes('/')) {
    c.error(path, `${JSON.stringify(s)} is not a valid CIDR: a prefix length is required (e.g. "${s}/32")`);
    return undefined;
  }
  const strict = parsePrefix(s, true);
  if (strict.ok) return strict.value;
  const lenient = parsePrefix(s, false);
  if (lenient.ok && strict.error.startsWith('must not have bits set')) {
    c.warn(path, `${JSON.stringify(s)} has bits set beyond the prefix length; Cilium clears them`);
    return lenient.value;
  }
  c.error(path, `${JSON.stringify(s)} is not a valid CIDR: ${strict.error}`);
  return undefined;
}

export function validateCIDRList(v: unknown, path: string, c: IssueCollector): string[] | undefined {
  return mapList(v, path, c, (x, p) => {
    const s = readString(x, p, c);
    if (s === undefined) {
      if (x === null || x === undefined) c.error(p, 'a CIDR must be specified');
      return undefined;
    }
    ciliumPrefix(s, p, c);
    return s;
  });
}

export function validateCIDRRule(v: unknown, path: string, c: IssueCollector): CIDRRule | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  checkKnownFields(obj, ['cidr', 'cidrGroupRef', 'cidrGroupSelector', 'except'], path, c);
  const rule: CIDRRule = {};
  const cidr = readString(obj.cidr, fieldPath(path, 'cidr'), c);
  const ref = readString(obj.cidrGroupRef, fieldPath(path, 'cidrGroupRef'), c);
  const sel = validateLabelSelector(obj.cidrGroupSelector, fieldPath(path, 'cidrGroupSelector'), c);
  const set = [cidr ? 'cidr' : '', ref ? 'cidrGroupRef' : '', sel ? 'cidrGroupSelector' : ''].filter(Boolean);
  if (set.length === 0) c.error(path, 'one of cidr, cidrGroupRef, or cidrGroupSelector is required');
  if (set.length > 1)
    c.error(path, 'more than one of cidr, cidrGroupRef, or cidrGroupSelector may not be set');

  let outer: Prefix | undefined;
  if (cidr) {
    rule.cidr = cidr;
    outer = ciliumPrefix(cidr, fieldPath(path, 'cidr'), c);
  }
  if (ref) {
    rule.cidrGroupRef = ref;
    const bad = invalidName(ref, 'cidrGroupRef', dns1123Subdomain);
    if (bad) c.error(fieldPath(path, 'cidrGroupRef'), bad);
  }
  if (sel) rule.cidrGroupSelector = sel;

  const except = mapList(obj.except, fieldPath(path, 'except'), c, (x, p) => {
    const s = readString(x, p, c);
    if (s === undefined) return undefined;
    const inner = ciliumPrefix(s, p, c);
    // Cilium allows except == cidr; Kubernetes' ipBlock wants a strict subset.
    if (inner && outer && !prefixContains(outer, inner)) {
      c.error(p, `allow CIDR prefix ${cidr} does not contain exclude CIDR prefix ${s}`);
    }
    return s;
  });
  if (except) rule.except = except;
  return rule;
}

export function validateEntities(v: unknown, path: string, c: IssueCollector): Entity[] | undefined {
  return mapList(v, path, c, (x, p) => {
    const s = readString(x, p, c);
    if (s === undefined) return undefined;
    if (!(ENTITIES as readonly string[]).includes(s)) {
      c.error(p, `unsupported entity: ${s} (${unsupportedValue(s, ENTITIES)})`);
      return undefined;
    }
    return s as Entity;
  });
}

const MATCH_NAME = /^[-a-zA-Z0-9_]+(\.[-a-zA-Z0-9_]+)*\.?$/;
const MATCH_PATTERN = /^[-a-zA-Z0-9_*]+(\.[-a-zA-Z0-9_*]+)*\.?$/;

/** toFQDNs entries and L7 DNS rules: exactly one of matchName / matchPattern. */
export function validateFQDNSelector(
  v: unknown,
  path: string,
  c: IssueCollector,
  where: 'an FQDNSelector' | 'a DNS rule',
): FQDNSelector | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  checkKnownFields(obj, ['matchName', 'matchPattern'], path, c);
  const out: FQDNSelector = {};
  const name = readString(obj.matchName, fieldPath(path, 'matchName'), c);
  const pattern = readString(obj.matchPattern, fieldPath(path, 'matchPattern'), c);
  if (name && pattern) c.error(path, `only one of MatchName or MatchPattern is allowed in ${where}`);
  if (!name && !pattern) c.error(path, 'one of matchName or matchPattern is required');
  if (name) {
    out.matchName = name;
    const p = fieldPath(path, 'matchName');
    if (name.length > 255) c.error(p, 'matchName must be no more than 255 characters');
    else if (!MATCH_NAME.test(name)) {
      c.error(
        p,
        `${JSON.stringify(name)} is not a valid matchName: only 0-9, a-z, A-Z, ".", "-" and "_" are allowed, in dot-separated labels`,
      );
    }
  }
  if (pattern) {
    out.matchPattern = pattern;
    const p = fieldPath(path, 'matchPattern');
    if (pattern.trim().length > 255) c.error(p, 'matchPattern must be no more than 255 characters');
    else if (!MATCH_PATTERN.test(pattern)) {
      c.error(
        p,
        `${JSON.stringify(pattern)} is not a valid matchPattern: only 0-9, a-z, A-Z, ".", "-", "_" and "*" are allowed, in dot-separated labels (e.g. "*.example.com" or "**.example.com")`,
      );
    }
  }
  return out;
}

export function validateServiceSelector(
  v: unknown,
  path: string,
  c: IssueCollector,
): ServiceSelector | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  checkKnownFields(obj, ['k8sService', 'k8sServiceSelector'], path, c);
  const out: ServiceSelector = {};
  const svcPath = fieldPath(path, 'k8sService');
  const svc = readObject(obj.k8sService, svcPath, c);
  if (svc) {
    checkKnownFields(svc, ['serviceName', 'namespace'], svcPath, c);
    const serviceName = readString(svc.serviceName, fieldPath(svcPath, 'serviceName'), c);
    const namespace = readString(svc.namespace, fieldPath(svcPath, 'namespace'), c);
    if (!serviceName) c.error(fieldPath(svcPath, 'serviceName'), 'serviceName is required');
    out.k8sService = {};
    if (serviceName) out.k8sService.serviceName = serviceName;
    if (namespace) out.k8sService.namespace = namespace;
  }
  const selPath = fieldPath(path, 'k8sServiceSelector');
  const svcSel = readObject(obj.k8sServiceSelector, selPath, c);
  if (svcSel) {
    checkKnownFields(svcSel, ['selector', 'namespace'], selPath, c);
    const selector = validateLabelSelector(svcSel.selector, fieldPath(selPath, 'selector'), c, {
      sourcePrefix: true,
    });
    if (!selector) c.error(fieldPath(selPath, 'selector'), 'selector is required');
    const namespace = readString(svcSel.namespace, fieldPath(selPath, 'namespace'), c);
    out.k8sServiceSelector = { selector: selector ?? {} };
    if (namespace) out.k8sServiceSelector.namespace = namespace;
  }
  if (!svc && !svcSel) c.error(path, 'one of k8sService or k8sServiceSelector is required');
  if (svc && svcSel) c.error(path, 'only one of k8sService or k8sServiceSelector may be set');
  return out;
}
