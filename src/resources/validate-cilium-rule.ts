// One Cilium policy rule: selectors, the four rule directions and their peers, and rule metadata.

import {
  checkKnownFields,
  fieldPath,
  readBool,
  readEnum,
  readList,
  readObject,
  readString,
} from './field-reader.js';
import type { IssueCollector } from './issue-collector.js';
import type { CiliumRule, EgressRule, EndpointSelector, IngressRule } from './types/index.js';
import { validateICMPRules } from './validate-cilium-icmp.js';
import {
  mapList,
  validateCIDRList,
  validateCIDRRule,
  validateEntities,
  validateFQDNSelector,
  validateServiceSelector,
} from './validate-cilium-peers.js';
import { validatePortRules } from './validate-cilium-ports.js';
import { validateLabelSelector } from './validate-selector.js';

type Direction = 'ingress' | 'ingressDeny' | 'egress' | 'egressDeny';
const DIRECTIONS: readonly Direction[] = ['ingress', 'ingressDeny', 'egress', 'egressDeny'];

/** L3 peer fields, in the order Cilium names them; a rule may use only one. */
const INGRESS_L3 = ['fromEndpoints', 'fromCIDR', 'fromCIDRSet', 'fromEntities', 'fromNodes', 'fromGroups'];
const EGRESS_L3 = [
  'toCIDR',
  'toCIDRSet',
  'toEndpoints',
  'toEntities',
  'toServices',
  'toFQDNs',
  'toGroups',
  'toNodes',
];
const AUTH_MODES = ['disabled', 'required', 'test-always-fail'] as const;

function knownFields(dir: Direction): string[] {
  const ingress = dir.startsWith('ingress');
  const allow = !dir.endsWith('Deny');
  const peers = ingress ? [...INGRESS_L3, 'fromRequires'] : [...EGRESS_L3, 'toRequires'];
  const fields = [...peers, 'toPorts', 'icmps'];
  if (allow) fields.push('authentication');
  return ingress || allow ? fields : fields.filter((f) => f !== 'toFQDNs');
}

export interface RuleOptions {
  clusterwide: boolean;
}

export function validateCiliumRule(
  v: unknown,
  path: string,
  c: IssueCollector,
  opts: RuleOptions,
): CiliumRule | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  checkKnownFields(
    obj,
    ['endpointSelector', 'nodeSelector', ...DIRECTIONS, 'enableDefaultDeny', 'labels', 'description', 'log'],
    path,
    c,
  );
  const rule: CiliumRule = {};
  const esPath = fieldPath(path, 'endpointSelector');
  const nsPath = fieldPath(path, 'nodeSelector');
  const es = validateLabelSelector(obj.endpointSelector, esPath, c, { sourcePrefix: true });
  const ns = validateLabelSelector(obj.nodeSelector, nsPath, c, { sourcePrefix: true });
  if (es) rule.endpointSelector = es;
  if (ns) rule.nodeSelector = ns;
  if (!es && !ns) c.error(path, 'rule must have one of EndpointSelector or NodeSelector');
  if (es && ns) c.error(path, 'rule cannot have both EndpointSelector and NodeSelector');
  if (ns && !opts.clusterwide) {
    c.error(
      nsPath,
      'rule cannot have NodeSelector: nodeSelector is only allowed in a CiliumClusterwideNetworkPolicy',
    );
  }

  let total = 0;
  const emptyLists: Direction[] = [];
  for (const dir of DIRECTIONS) {
    const dirPath = fieldPath(path, dir);
    const list = readList(obj[dir], dirPath, c);
    if (!list) continue;
    total += list.length;
    if (list.length === 0) emptyLists.push(dir);
    if (list.length === 0 && (dir === 'ingress' || dir === 'egress')) {
      c.warn(
        dirPath,
        `an empty list does not put the selected endpoints into default deny for ${dir} in Cilium: write \`${dir}: [{}]\` to deny all ${dir}`,
      );
    }
    const rules = mapList(list, dirPath, c, (x, p) => validateDirectionRule(x, p, c, dir, !!ns));
    if (rules) rule[dir] = rules;
  }
  if (total === 0) {
    const hint =
      emptyLists.length > 0
        ? ` (an empty list counts as none: write \`${emptyLists[0]}: [{}]\` to deny all)`
        : '';
    c.error(path, `rule must have at least one of Ingress, IngressDeny, Egress, EgressDeny${hint}`);
  }

  const eddPath = fieldPath(path, 'enableDefaultDeny');
  const edd = readObject(obj.enableDefaultDeny, eddPath, c);
  if (edd) {
    checkKnownFields(edd, ['ingress', 'egress'], eddPath, c);
    rule.enableDefaultDeny = {};
    const ingress = readBool(edd.ingress, fieldPath(eddPath, 'ingress'), c);
    const egress = readBool(edd.egress, fieldPath(eddPath, 'egress'), c);
    if (ingress !== undefined) rule.enableDefaultDeny.ingress = ingress;
    if (egress !== undefined) rule.enableDefaultDeny.egress = egress;
  }

  const labels = mapList(obj.labels, fieldPath(path, 'labels'), c, (x, p) => {
    const l = readObject(x, p, c);
    if (!l) return undefined;
    checkKnownFields(l, ['key', 'value', 'source'], p, c);
    const key = readString(l.key, fieldPath(p, 'key'), c);
    if (!key) c.error(fieldPath(p, 'key'), 'key is required');
    const out: { key: string; value?: string; source?: string } = { key: key ?? '' };
    const value = readString(l.value, fieldPath(p, 'value'), c);
    const source = readString(l.source, fieldPath(p, 'source'), c);
    if (value !== undefined) out.value = value;
    if (source !== undefined) out.source = source;
    return out;
  });
  if (labels) rule.labels = labels;

  const description = readString(obj.description, fieldPath(path, 'description'), c);
  if (description !== undefined) rule.description = description;

  const logPath = fieldPath(path, 'log');
  const log = readObject(obj.log, logPath, c);
  if (log) {
    checkKnownFields(log, ['value'], logPath, c);
    const value = readString(log.value, fieldPath(logPath, 'value'), c);
    rule.log = {};
    if (value !== undefined) {
      if ([...value].length > 32) c.error(fieldPath(logPath, 'value'), 'must be no more than 32 characters');
      else if (!/^\P{C}*$/u.test(value))
        c.error(fieldPath(logPath, 'value'), 'must not contain control characters');
      rule.log.value = value;
    }
  }
  return rule;
}

function validateDirectionRule(
  v: unknown,
  path: string,
  c: IssueCollector,
  dir: Direction,
  hostPolicy: boolean,
): (IngressRule & EgressRule) | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return v === null ? {} : undefined;
  const ingress = dir.startsWith('ingress');
  const deny = dir.endsWith('Deny');
  checkKnownFields(obj, knownFields(dir), path, c);
  const out: Record<string, unknown> = {};
  const present = (k: string): boolean => Array.isArray(obj[k]) && (obj[k] as unknown[]).length > 0;

  const l3 = (ingress ? INGRESS_L3 : EGRESS_L3).filter(present);
  if (l3.length > 1) {
    c.error(
      path,
      `combining ${goName(l3[0] ?? '')} and ${goName(l3[1] ?? '')} is not supported yet (write them as separate rules)`,
    );
  }
  if (present('toServices') && present('toPorts'))
    c.error(path, 'combining ToServices and ToPorts is not supported yet');
  if (present('icmps') && present('toPorts')) {
    c.error(
      path,
      'the ICMPs block may only be present without ToPorts. Define a separate rule to use ToPorts',
    );
  }

  for (const key of Object.keys(obj)) {
    const p = fieldPath(path, key);
    const val = obj[key];
    let result: unknown;
    switch (key) {
      case 'fromEndpoints':
      case 'toEndpoints':
      case 'fromNodes':
      case 'toNodes':
      case 'fromRequires':
      case 'toRequires':
        result = mapList(val, p, c, (x, ip) => selector(x, ip, c));
        if (key.endsWith('Requires') && Array.isArray(val)) {
          c.warn(
            p,
            `${key} is deprecated since Cilium 1.17 and removed in Cilium 1.19: use deny rules or add the requirement to every selector instead`,
          );
        }
        break;
      case 'fromCIDR':
      case 'toCIDR':
        result = validateCIDRList(val, p, c);
        break;
      case 'fromCIDRSet':
      case 'toCIDRSet':
        result = mapList(val, p, c, (x, ip) => validateCIDRRule(x, ip, c));
        break;
      case 'fromEntities':
      case 'toEntities':
        result = validateEntities(val, p, c);
        break;
      case 'toServices':
        result = mapList(val, p, c, (x, ip) => validateServiceSelector(x, ip, c));
        break;
      case 'toFQDNs':
        result = mapList(val, p, c, (x, ip) => validateFQDNSelector(x, ip, c, 'an FQDNSelector'));
        break;
      case 'fromGroups':
      case 'toGroups':
        result = readList(val, p, c);
        if (Array.isArray(val) && val.length > 0) {
          c.warn(p, `Porin does not support ${key} (cloud provider groups): these peers match nothing`);
        }
        break;
      case 'toPorts':
        result = validatePortRules(val, p, c, { ingress, deny, hostPolicy });
        break;
      case 'icmps':
        result = validateICMPRules(val, p, c);
        break;
      case 'authentication':
        result = authentication(val, p, c);
        break;
    }
    if (result !== undefined) out[key] = result;
  }
  return out as IngressRule & EgressRule;
}

function selector(v: unknown, path: string, c: IssueCollector): EndpointSelector | undefined {
  if (v === null || v === undefined) {
    c.error(path, 'must be a selector object, got null (use {} to select all endpoints)');
    return undefined;
  }
  return validateLabelSelector(v, path, c, { sourcePrefix: true });
}

function authentication(v: unknown, path: string, c: IssueCollector): IngressRule['authentication'] {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  checkKnownFields(obj, ['mode'], path, c);
  const modePath = fieldPath(path, 'mode');
  if (obj.mode === undefined || obj.mode === null) {
    c.error(modePath, 'mode is required');
    return undefined;
  }
  const mode = readEnum(obj.mode, AUTH_MODES, modePath, c);
  if (mode && mode !== 'disabled')
    c.warn(
      modePath,
      `authentication mode "${mode}": Porin has no authentication provider (Cilium's mutual authentication with SPIRE), so traffic this rule allows is dropped with AUTH_REQUIRED; it never becomes a plain allow`,
    );
  return mode ? { mode } : undefined;
}

/** `fromCIDRSet` → `FromCIDRSet`, as Cilium's messages name fields. */
function goName(field: string): string {
  return field.charAt(0).toUpperCase() + field.slice(1);
}
