// v1 Event: the object it is about, a reason, a message and a type (Normal or Warning).

import { checkKnownFields, fieldPath, readInt, readObject, readString } from './field-reader.js';
import { IssueCollector } from './issue-collector.js';
import { dns1123Subdomain } from './k8s-names.js';
import type { Event } from './types/index.js';
import { validateObjectMeta } from './validate-meta.js';
import type { ValidateContext, ValidationResult } from './validator.js';

const TYPES = ['Normal', 'Warning'] as const;

export function validateEvent(value: unknown, ctx: ValidateContext): ValidationResult<Event> {
  const c = new IssueCollector();
  const obj = readObject(value, '', c) ?? {};
  checkKnownFields(
    obj,
    [
      'apiVersion',
      'kind',
      'metadata',
      'involvedObject',
      'reason',
      'message',
      'type',
      'count',
      'firstTimestamp',
      'lastTimestamp',
      'source',
    ],
    '',
    c,
  );
  const metadata = validateObjectMeta(obj.metadata, 'metadata', c, {
    nameFormat: dns1123Subdomain,
    namespaced: true,
    defaultNamespace: ctx.namespace,
    kind: 'Event',
  });
  const io = readObject(obj.involvedObject, 'involvedObject', c);
  const kind = io ? readString(io.kind, 'involvedObject.kind', c) : undefined;
  const name = io ? readString(io.name, 'involvedObject.name', c) : undefined;
  if (!io) c.error('involvedObject', 'involvedObject is required');
  else {
    if (!kind) c.error('involvedObject.kind', 'kind is required');
    if (!name) c.error('involvedObject.name', 'name is required');
  }
  const reason = readString(obj.reason, 'reason', c);
  if (!reason) c.error('reason', 'reason is required');
  const message = readString(obj.message, 'message', c) ?? '';
  const type = readString(obj.type, 'type', c) ?? 'Normal';
  if (!(TYPES as readonly string[]).includes(type)) c.error('type', `must be one of ${TYPES.join(', ')}`);
  const count = readInt(obj.count, 'count', c, { min: 1 });
  const first = readString(obj.firstTimestamp, 'firstTimestamp', c);
  const last = readString(obj.lastTimestamp, 'lastTimestamp', c);
  const src = readObject(obj.source, 'source', c);
  const involvedObject: Event['involvedObject'] = { kind: kind ?? '', name: name ?? '' };
  for (const k of ['apiVersion', 'namespace', 'uid'] as const) {
    const v = io ? readString(io[k], fieldPath('involvedObject', k), c) : undefined;
    if (v) involvedObject[k] = v;
  }
  return c.result({
    apiVersion: 'v1',
    kind: 'Event',
    metadata,
    involvedObject,
    reason: reason ?? '',
    message,
    type: type as Event['type'],
    ...(count !== undefined ? { count } : {}),
    ...(first ? { firstTimestamp: first } : {}),
    ...(last ? { lastTimestamp: last } : {}),
    ...(src
      ? {
          source: {
            ...(typeof src.component === 'string' ? { component: src.component } : {}),
            ...(typeof src.host === 'string' ? { host: src.host } : {}),
          },
        }
      : {}),
  });
}
