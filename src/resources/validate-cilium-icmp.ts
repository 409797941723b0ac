// Cilium icmps blocks: ICMP/ICMPv6 types by number or Cilium's CamelCase names, per family.

import { ICMPV4_TYPES, ICMPV6_TYPES } from '../net/icmp-types.js';
import {
  checkKnownFields,
  describeValue,
  fieldPath,
  isPlainObject,
  itemPath,
  readInt,
  readList,
  readObject,
  readString,
  unsupportedValue,
} from './field-reader.js';
import type { IssueCollector } from './issue-collector.js';
import type { ICMPField, ICMPRule } from './types/index.js';
import { mapList } from './validate-cilium-peers.js';

const MAX_ICMP_FIELDS = 40;

/** Type names as Cilium's pkg/policy/api/icmp.go accepts them, with their codes (one table, in src/net). */
const ICMP_V4 = ICMPV4_TYPES;
const ICMP_V6 = ICMPV6_TYPES;

export function validateICMPRules(v: unknown, path: string, c: IssueCollector): ICMPRule[] | undefined {
  return mapList(v, path, c, (x, p) => {
    const obj = readObject(x, p, c);
    if (!obj) return undefined;
    checkKnownFields(obj, ['fields'], p, c);
    const fieldsPath = fieldPath(p, 'fields');
    const fields = readList(obj.fields, fieldsPath, c);
    if (fields && fields.length > MAX_ICMP_FIELDS)
      c.error(fieldsPath, `too many types, the max is ${MAX_ICMP_FIELDS}`);
    const rule: ICMPRule = {};
    if (fields) {
      rule.fields = fields.flatMap((f, i) => {
        const field = validateICMPField(f, itemPath(fieldsPath, i), c);
        return field ? [field] : [];
      });
    }
    return rule;
  });
}

/** Normalizes family to IPv4 when omitted and a named type to its numeric code. */
function validateICMPField(v: unknown, path: string, c: IssueCollector): ICMPField | undefined {
  if (!isPlainObject(v)) {
    readObject(v, path, c);
    return undefined;
  }
  checkKnownFields(v, ['family', 'type'], path, c);
  const familyPath = fieldPath(path, 'family');
  const rawFamily = readString(v.family, familyPath, c);
  let family: 'IPv4' | 'IPv6' = 'IPv4';
  if (rawFamily === 'IPv6') family = 'IPv6';
  else if (rawFamily && rawFamily !== 'IPv4')
    c.error(familyPath, `wrong family: ${unsupportedValue(rawFamily, ['IPv4', 'IPv6'])}`);

  const typePath = fieldPath(path, 'type');
  const t = v.type;
  if (t === undefined || t === null || t === '') {
    c.error(typePath, 'type is required');
    return undefined;
  }
  if (typeof t === 'number' || (typeof t === 'string' && /^[0-9]+$/.test(t))) {
    const n = readInt(Number(t), typePath, c, { min: 0, max: 255 });
    return n === undefined ? undefined : { family, type: n };
  }
  if (typeof t !== 'string') {
    c.error(typePath, `must be an ICMP type number (0-255) or name, got ${describeValue(t)}`);
    return undefined;
  }
  const names = family === 'IPv6' ? ICMP_V6 : ICMP_V4;
  const code = names[t];
  if (code === undefined) {
    c.error(
      typePath,
      `ICMP type ${t} not found in ${family} (known names: ${Object.keys(names).join(', ')})`,
    );
    return undefined;
  }
  return { family, type: code };
}
