// LabelSelector validation (metav1 ValidateLabelSelector), with Cilium's `source:` key prefixes when asked.

import {
  checkKnownFields,
  fieldPath,
  itemPath,
  readList,
  readObject,
  readString,
  readStringList,
  readStringMap,
  unsupportedValue,
} from './field-reader.js';
import type { IssueCollector } from './issue-collector.js';
import { invalidName, labelValue, qualifiedName } from './k8s-names.js';
import type { LabelSelector, LabelSelectorRequirement, SelectorOperator } from './types/index.js';

export interface SelectorOptions {
  /** Cilium endpoint/node selectors: keys may start with a label source such as `k8s:`, `any:`, `reserved:`. */
  sourcePrefix?: boolean;
  /** Report unknown fields (kubectl strict validation). Default true. */
  strict?: boolean;
}

const OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
const SOURCES: readonly string[] = [
  'k8s',
  'reserved',
  'any',
  'cidr',
  'fqdn',
  'unspec',
  'container',
  'cilium-generated',
];

export function validateLabelSelector(
  v: unknown,
  path: string,
  c: IssueCollector,
  opts: SelectorOptions = {},
): LabelSelector | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  if (opts.strict !== false) checkKnownFields(obj, ['matchLabels', 'matchExpressions'], path, c);
  const out: LabelSelector = {};

  const mlPath = fieldPath(path, 'matchLabels');
  const matchLabels = readStringMap(obj.matchLabels, mlPath, c);
  if (matchLabels) {
    for (const [key, value] of Object.entries(matchLabels)) {
      checkSelectorKey(key, mlPath, c, opts);
      const bad = invalidName(value, 'label value', labelValue);
      if (bad) c.error(fieldPath(mlPath, key), bad);
    }
    out.matchLabels = matchLabels;
  }

  const mePath = fieldPath(path, 'matchExpressions');
  const exprs = readList(obj.matchExpressions, mePath, c);
  if (exprs) {
    out.matchExpressions = exprs.flatMap((e, i) => {
      const r = validateRequirement(e, itemPath(mePath, i), c, opts);
      return r ? [r] : [];
    });
  }
  return out;
}

function validateRequirement(
  v: unknown,
  path: string,
  c: IssueCollector,
  opts: SelectorOptions,
): LabelSelectorRequirement | undefined {
  const obj = readObject(v, path, c);
  if (!obj) {
    if (v === null || v === undefined) c.error(path, 'must be an object with key and operator, got null');
    return undefined;
  }
  if (opts.strict !== false) checkKnownFields(obj, ['key', 'operator', 'values'], path, c);
  const key = readString(obj.key, fieldPath(path, 'key'), c);
  if (key === undefined) {
    if (obj.key === undefined || obj.key === null) c.error(fieldPath(path, 'key'), 'key is required');
  } else {
    checkSelectorKey(key, fieldPath(path, 'key'), c, opts);
  }
  const opPath = fieldPath(path, 'operator');
  const op = readString(obj.operator, opPath, c);
  const valuesPath = fieldPath(path, 'values');
  const values = readStringList(obj.values, valuesPath, c);
  if (op === undefined) {
    if (obj.operator === undefined || obj.operator === null) c.error(opPath, 'operator is required');
    return undefined;
  }
  if (!(OPERATORS as readonly string[]).includes(op)) {
    c.error(opPath, `${unsupportedValue(op, OPERATORS)}: not a valid selector operator`);
    return undefined;
  }
  const operator = op as SelectorOperator;
  if ((operator === 'In' || operator === 'NotIn') && (!values || values.length === 0)) {
    c.error(valuesPath, "must be specified when `operator` is 'In' or 'NotIn'");
  }
  if ((operator === 'Exists' || operator === 'DoesNotExist') && values && values.length > 0) {
    c.error(valuesPath, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
  }
  values?.forEach((val, i) => {
    const bad = invalidName(val, 'label value', labelValue);
    if (bad) c.error(itemPath(valuesPath, i), bad);
  });
  if (key === undefined) return undefined;
  const req: LabelSelectorRequirement = { key, operator };
  if (values && values.length > 0) req.values = values;
  return req;
}

/** Cilium's prefix for namespace labels in selectors; not counted against the label key's limits. */
const NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';
const SOURCE_RE = /^[A-Za-z0-9]+$/;

/**
 * A selector key. Kubernetes selectors: a qualified name. Cilium selectors (as Cilium's own label-key
 * validation): an optional `source:` (alphanumeric; one `:` at most) and, after it, a Kubernetes label key,
 * with Cilium's `io.cilium.k8s.namespace.labels.` prefix left out of the name and prefix length limits.
 * Cilium accepts any alphanumeric source; one it does not define is most likely a typo, so it is a warning.
 */
function checkSelectorKey(key: string, path: string, c: IssueCollector, opts: SelectorOptions): void {
  if (!opts.sourcePrefix) {
    const bad = invalidName(key, 'label key', qualifiedName);
    if (bad) c.error(path, bad);
    return;
  }
  const parts = key.split(':');
  if (parts.length > 2) {
    c.error(
      path,
      `${JSON.stringify(key)} is not a valid label key: only one ':' may separate a label source from the key`,
    );
    return;
  }
  let bare = key;
  if (parts.length === 2) {
    const source = parts[0]!;
    bare = parts[1]!;
    if (!SOURCE_RE.test(source)) {
      c.error(
        path,
        `${JSON.stringify(key)} is not a valid label key: the label source must be a non-empty string of letters and digits (known sources: ${SOURCES.join(', ')})`,
      );
      return;
    }
    if (!SOURCES.includes(source))
      c.warn(
        path,
        `${JSON.stringify(key)}: unknown label source ${JSON.stringify(source)} (known sources: ${SOURCES.join(', ')}); no endpoint carries labels of this source, so this selects nothing`,
      );
  }
  const name = bare.startsWith(NAMESPACE_LABELS_PREFIX) ? bare.slice(NAMESPACE_LABELS_PREFIX.length) : bare;
  const bad = invalidName(name, 'label key', qualifiedName);
  if (bad) c.error(path, name === key ? bad : bad.replace(JSON.stringify(name), JSON.stringify(key)));
}
