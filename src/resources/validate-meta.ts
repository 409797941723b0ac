// ObjectMeta: name and namespace formats, labels and annotations.

import { fieldPath, isPlainObject, readObject, readString, readStringMap } from './field-reader.js';
import type { IssueCollector } from './issue-collector.js';
import { dns1123Label, invalidName, labelValue, type NameCheck, qualifiedName } from './k8s-names.js';
import type { ObjectMeta, OwnerReference } from './types/index.js';

export interface MetaOptions {
  /** How `metadata.name` is checked: most kinds use a DNS-1123 subdomain. */
  nameFormat: NameCheck;
  namespaced: boolean;
  /** Namespace given to namespaced objects that do not name one. */
  defaultNamespace: string;
  /** Kind, for the cluster-scoped warning. */
  kind: string;
}

const COPIED_STRINGS = ['uid', 'resourceVersion', 'creationTimestamp', 'generateName'] as const;

export function validateObjectMeta(
  v: unknown,
  path: string,
  c: IssueCollector,
  opts: MetaOptions,
): ObjectMeta {
  const meta: ObjectMeta = { name: '' };
  const namePath = fieldPath(path, 'name');
  if (v === undefined || v === null) {
    c.error(namePath, 'name is required');
    return meta;
  }
  const obj = readObject(v, path, c);
  if (!obj) return meta;

  if (typeof obj.name === 'string' && obj.name !== '') {
    meta.name = obj.name;
    const bad = invalidName(obj.name, 'name', opts.nameFormat);
    if (bad) c.error(namePath, bad);
  } else if (obj.name === undefined || obj.name === null || obj.name === '') {
    const hint =
      typeof obj.generateName === 'string'
        ? ' (generateName is not supported: objects read from manifests need a fixed name)'
        : '';
    c.error(namePath, `name is required${hint}`);
  } else {
    readString(obj.name, namePath, c);
  }

  const nsPath = fieldPath(path, 'namespace');
  const ns = readString(obj.namespace, nsPath, c);
  if (opts.namespaced) {
    meta.namespace = ns || opts.defaultNamespace;
    const bad = ns ? invalidName(ns, 'namespace', dns1123Label) : undefined;
    if (bad) c.error(nsPath, bad);
  } else if (ns) {
    c.warn(nsPath, `ignored: ${opts.kind} is cluster-scoped and has no namespace`);
  }

  const labels = validateLabels(obj.labels, fieldPath(path, 'labels'), c);
  if (labels) meta.labels = labels;
  const annotations = readStringMap(obj.annotations, fieldPath(path, 'annotations'), c);
  if (annotations) {
    for (const key of Object.keys(annotations)) {
      const bad = invalidName(key, 'annotation key', qualifiedName);
      if (bad) c.error(fieldPath(path, 'annotations'), bad);
    }
    meta.annotations = annotations;
  }
  for (const key of COPIED_STRINGS) {
    const val = obj[key];
    if (typeof val === 'string') meta[key] = val;
    else if (val instanceof Date) meta[key] = val.toISOString();
  }
  if (Array.isArray(obj.ownerReferences)) {
    meta.ownerReferences = obj.ownerReferences.flatMap((o) => (isPlainObject(o) ? ownerReference(o) : []));
  }
  return meta;
}

function ownerReference(o: Record<string, unknown>): OwnerReference[] {
  if (typeof o.kind !== 'string' || typeof o.name !== 'string') return [];
  const ref: OwnerReference = {
    apiVersion: typeof o.apiVersion === 'string' ? o.apiVersion : '',
    kind: o.kind,
    name: o.name,
  };
  if (typeof o.uid === 'string') ref.uid = o.uid;
  if (typeof o.controller === 'boolean') ref.controller = o.controller;
  return [ref];
}

/** A label map: keys are qualified names, values valid label values (strings, ≤63 characters). */
export function validateLabels(
  v: unknown,
  path: string,
  c: IssueCollector,
): Record<string, string> | undefined {
  const labels = readStringMap(v, path, c);
  if (!labels) return undefined;
  for (const [key, value] of Object.entries(labels)) {
    const badKey = invalidName(key, 'label key', qualifiedName);
    if (badKey) c.error(path, badKey);
    const badValue = invalidName(value, 'label value', labelValue);
    if (badValue) c.error(fieldPath(path, key), badValue);
  }
  return labels;
}

/** The `Kind ns/name` (or `Kind name`) a raw document calls itself, for naming it in issues. */
export function describeObject(
  kind: string,
  raw: unknown,
  namespaced: boolean,
  defaultNamespace: string,
): string {
  const meta = isPlainObject(raw) && isPlainObject(raw.metadata) ? raw.metadata : {};
  const name = typeof meta.name === 'string' && meta.name ? meta.name : undefined;
  if (!name) return kind;
  if (!namespaced) return `${kind} ${name}`;
  const ns = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : defaultNamespace;
  return `${kind} ${ns}/${name}`;
}
