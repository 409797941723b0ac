// Cilium PortRule extras: serverNames (SNI), TLS contexts and Envoy listener references.
import {
  checkKnownFields,
  fieldPath,
  itemPath,
  readEnum,
  readInt,
  readList,
  readObject,
  readString,
} from './field-reader.js';
import type { IssueCollector } from './issue-collector.js';

export interface ListenerRef {
  envoyConfig: { kind: 'CiliumEnvoyConfig' | 'CiliumClusterwideEnvoyConfig'; name: string };
  name: string;
  priority?: number;
}

export interface TLSContext {
  secret: { name: string; namespace?: string };
  trustedCA?: string;
  certificate?: string;
  privateKey?: string;
}

const SERVER_NAME = /^[-a-zA-Z0-9_*]+(\.[-a-zA-Z0-9_*]+)*\.?$/;
const ENVOY_KINDS = ['CiliumEnvoyConfig', 'CiliumClusterwideEnvoyConfig'] as const;

export function validateServerNames(v: unknown, path: string, c: IssueCollector): string[] | undefined {
  const list = readList(v, path, c);
  if (!list) return undefined;
  if (list.length === 0) c.error(path, 'must have at least 1 item');
  const out: string[] = [];
  list.forEach((x, i) => {
    const p = itemPath(path, i);
    const s = readString(x, p, c);
    if (s === undefined) return;
    if (s === '') c.error(p, 'Empty server name is not allowed');
    else if (s.length > 255) c.error(p, 'must be no more than 255 characters');
    else if (!SERVER_NAME.test(s)) c.error(p, `${JSON.stringify(s)} is not a valid server name`);
    if (out.includes(s)) c.error(p, `duplicate value ${JSON.stringify(s)}`);
    out.push(s);
  });
  return out;
}

export function validateTLSContext(v: unknown, path: string, c: IssueCollector): TLSContext | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  checkKnownFields(obj, ['secret', 'trustedCA', 'certificate', 'privateKey'], path, c);
  const secretPath = fieldPath(path, 'secret');
  const secret = readObject(obj.secret, secretPath, c);
  const out: TLSContext = { secret: { name: '' } };
  if (!secret) {
    if (obj.secret === undefined || obj.secret === null) c.error(secretPath, 'secret is required');
  } else {
    checkKnownFields(secret, ['name', 'namespace'], secretPath, c);
    const name = readString(secret.name, fieldPath(secretPath, 'name'), c);
    if (!name) c.error(fieldPath(secretPath, 'name'), 'secret name is required');
    out.secret.name = name ?? '';
    const ns = readString(secret.namespace, fieldPath(secretPath, 'namespace'), c);
    if (ns) out.secret.namespace = ns;
  }
  for (const key of ['trustedCA', 'certificate', 'privateKey'] as const) {
    const s = readString(obj[key], fieldPath(path, key), c);
    if (s !== undefined) out[key] = s;
  }
  return out;
}

export function validateListener(v: unknown, path: string, c: IssueCollector): ListenerRef | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  checkKnownFields(obj, ['envoyConfig', 'name', 'priority'], path, c);
  const name = readString(obj.name, fieldPath(path, 'name'), c);
  if (!name) c.error(fieldPath(path, 'name'), 'listener name is required');
  const ecPath = fieldPath(path, 'envoyConfig');
  const ec = readObject(obj.envoyConfig, ecPath, c);
  const out: ListenerRef = { envoyConfig: { kind: 'CiliumEnvoyConfig', name: '' }, name: name ?? '' };
  if (!ec) {
    if (obj.envoyConfig === undefined || obj.envoyConfig === null) c.error(ecPath, 'envoyConfig is required');
  } else {
    checkKnownFields(ec, ['kind', 'name'], ecPath, c);
    const kind = readEnum(ec.kind, ENVOY_KINDS, fieldPath(ecPath, 'kind'), c);
    if (kind) out.envoyConfig.kind = kind;
    const ecName = readString(ec.name, fieldPath(ecPath, 'name'), c);
    if (!ecName) c.error(fieldPath(ecPath, 'name'), 'envoyConfig name is required');
    out.envoyConfig.name = ecName ?? '';
  }
  const priority = readInt(obj.priority, fieldPath(path, 'priority'), c, { min: 1, max: 100 });
  if (priority !== undefined) out.priority = priority;
  return out;
}
