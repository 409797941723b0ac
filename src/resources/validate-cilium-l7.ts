// Cilium L7 rules (HTTP, DNS, Kafka, generic l7proto): Cilium's sanitizer checks with RE2 regexes.
import RE2 from 're2';
import { POLICY_API_KEY_NAMES } from '../kafka/api-keys.js';
import {
  checkKnownFields,
  fieldPath,
  readEnum,
  readObject,
  readString,
  readStringList,
  readStringMap,
} from './field-reader.js';
import type { IssueCollector } from './issue-collector.js';
import type { HeaderMatch, L7Rules, PortRuleHTTP, PortRuleKafka } from './types/index.js';
import { mapList, validateFQDNSelector } from './validate-cilium-peers.js';

export type L7Type = 'HTTP' | 'DNS' | 'Kafka' | 'L7';

const MISMATCH = ['LOG', 'ADD', 'DELETE', 'REPLACE'] as const;
const KAFKA_API_KEYS: ReadonlySet<string> = new Set(POLICY_API_KEY_NAMES);
const KAFKA_TOPIC = /^[a-zA-Z0-9._-]+$/;

export interface L7Result {
  rules: L7Rules;
  /** The L7 rule types present (a list given, even empty, counts as present, as in Cilium). */
  types: L7Type[];
}

export function validateL7Rules(v: unknown, path: string, c: IssueCollector): L7Result | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  checkKnownFields(obj, ['http', 'dns', 'kafka', 'l7proto', 'l7'], path, c);
  const rules: L7Rules = {};
  const types: L7Type[] = [];

  const http = mapList(obj.http, fieldPath(path, 'http'), c, (x, p) => validateHTTP(x, p, c));
  if (http) {
    rules.http = http;
    types.push('HTTP');
  }
  const dns = mapList(obj.dns, fieldPath(path, 'dns'), c, (x, p) =>
    validateFQDNSelector(x, p, c, 'a DNS rule'),
  );
  if (dns) {
    rules.dns = dns;
    types.push('DNS');
  }
  const kafka = mapList(obj.kafka, fieldPath(path, 'kafka'), c, (x, p) => validateKafka(x, p, c));
  if (kafka) {
    rules.kafka = kafka;
    types.push('Kafka');
  }
  const l7proto = readString(obj.l7proto, fieldPath(path, 'l7proto'), c);
  const l7 = mapList(obj.l7, fieldPath(path, 'l7'), c, (x, p) => readStringMap(x, p, c));
  if (l7 && !l7proto)
    c.error(fieldPath(path, 'l7'), "'l7' may only be specified when a 'l7proto' is also specified");
  if (l7proto) {
    rules.l7proto = l7proto;
    types.push('L7');
  }
  if (l7) rules.l7 = l7;
  if (types.length > 1) c.error(path, 'multiple L7 protocol rule types specified in single rule');
  return { rules, types };
}

/** Compiles `pattern` with RE2 (Go's regexp syntax, as Cilium and Envoy use). */
function checkRegex(field: string, pattern: string, path: string, c: IssueCollector): void {
  try {
    new RE2(pattern);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    c.error(path, `${field} ${JSON.stringify(pattern)} is not a valid RE2 regular expression: ${reason}`);
  }
}

function validateHTTP(v: unknown, path: string, c: IssueCollector): PortRuleHTTP | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return v === null ? {} : undefined;
  checkKnownFields(obj, ['method', 'path', 'host', 'headers', 'headerMatches'], path, c);
  const out: PortRuleHTTP = {};
  for (const field of ['method', 'path', 'host'] as const) {
    const s = readString(obj[field], fieldPath(path, field), c);
    if (s === undefined || s === '') continue;
    checkRegex(field, s, fieldPath(path, field), c);
    out[field] = s;
  }
  const headers = readStringList(obj.headers, fieldPath(path, 'headers'), c);
  if (headers) out.headers = headers;
  const matches = mapList(obj.headerMatches, fieldPath(path, 'headerMatches'), c, (x, p) =>
    validateHeaderMatch(x, p, c),
  );
  if (matches) out.headerMatches = matches;
  return out;
}

function validateHeaderMatch(v: unknown, path: string, c: IssueCollector): HeaderMatch | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  checkKnownFields(obj, ['name', 'value', 'secret', 'mismatch'], path, c);
  const name = readString(obj.name, fieldPath(path, 'name'), c);
  if (!name) c.error(fieldPath(path, 'name'), 'name is required');
  const out: HeaderMatch = { name: name ?? '' };
  const value = readString(obj.value, fieldPath(path, 'value'), c);
  if (value !== undefined) out.value = value;
  const secretPath = fieldPath(path, 'secret');
  const secret = readObject(obj.secret, secretPath, c);
  if (secret) {
    checkKnownFields(secret, ['name', 'namespace'], secretPath, c);
    const sName = readString(secret.name, fieldPath(secretPath, 'name'), c);
    if (!sName) c.error(fieldPath(secretPath, 'name'), 'secret name is required');
    const sNs = readString(secret.namespace, fieldPath(secretPath, 'namespace'), c);
    out.secret = { name: sName ?? '' };
    if (sNs) out.secret.namespace = sNs;
  }
  const mismatch = readEnum(obj.mismatch, MISMATCH, fieldPath(path, 'mismatch'), c);
  if (mismatch) out.mismatch = mismatch;
  return out;
}

function validateKafka(v: unknown, path: string, c: IssueCollector): PortRuleKafka | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  checkKnownFields(obj, ['role', 'apiKey', 'apiVersion', 'clientID', 'topic'], path, c);
  const out: PortRuleKafka = {};
  const role = readString(obj.role, fieldPath(path, 'role'), c);
  const apiKey = readString(obj.apiKey, fieldPath(path, 'apiKey'), c);
  if (role && apiKey)
    c.error(path, `cannot set both role ${JSON.stringify(role)} and apiKey ${JSON.stringify(apiKey)}`);
  if (role) {
    const r = role.toLowerCase();
    if (r === 'produce' || r === 'consume') out.role = r;
    else
      c.error(
        fieldPath(path, 'role'),
        `invalid Kafka role ${JSON.stringify(role)}: must be produce or consume`,
      );
  }
  if (apiKey) {
    if (KAFKA_API_KEYS.has(apiKey.toLowerCase())) out.apiKey = apiKey;
    else c.error(fieldPath(path, 'apiKey'), `invalid Kafka apiKey ${JSON.stringify(apiKey)}`);
  }
  const apiVersion = readString(obj.apiVersion, fieldPath(path, 'apiVersion'), c);
  if (apiVersion) {
    const n = /^[-+]?\d+$/.test(apiVersion) ? Number(apiVersion) : Number.NaN;
    if (Number.isInteger(n) && n >= -32768 && n <= 32767) out.apiVersion = apiVersion;
    else c.error(fieldPath(path, 'apiVersion'), `invalid Kafka apiVersion ${JSON.stringify(apiVersion)}`);
  }
  const clientID = readString(obj.clientID, fieldPath(path, 'clientID'), c);
  if (clientID) out.clientID = clientID;
  const topic = readString(obj.topic, fieldPath(path, 'topic'), c);
  if (topic) {
    if (topic.length > 255) c.error(fieldPath(path, 'topic'), 'kafka topic exceeds maximum len of 255');
    else if (!KAFKA_TOPIC.test(topic))
      c.error(fieldPath(path, 'topic'), `invalid Kafka topic name ${JSON.stringify(topic)}`);
    out.topic = topic;
  }
  return out;
}
