// v1 PodStatus as Porin reads it from exported or embedded-store pods: IPs, phase, conditions, container states.
import {
  fieldPath,
  itemPath,
  readBool,
  readEnum,
  readInt,
  readIP,
  readList,
  readObject,
  readString,
} from './field-reader.js';
import type { IssueCollector } from './issue-collector.js';
import type { ContainerStatus, PodCondition, PodStatus } from './types/index.js';

const CONDITION_STATUS = ['True', 'False', 'Unknown'] as const;

export function validatePodStatus(v: unknown, path: string, c: IssueCollector): PodStatus | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  const status: PodStatus = {};
  for (const key of ['podIP', 'hostIP'] as const) {
    const ip = readIP(obj[key], fieldPath(path, key), c);
    if (ip) status[key] = ip;
  }
  const podIPsPath = fieldPath(path, 'podIPs');
  const podIPs = readList(obj.podIPs, podIPsPath, c);
  if (podIPs) {
    status.podIPs = podIPs.flatMap((x, i) => {
      const p = itemPath(podIPsPath, i);
      const o = readObject(x, p, c);
      const ip = o ? readIP(o.ip, fieldPath(p, 'ip'), c) : undefined;
      return ip ? [{ ip }] : [];
    });
  }
  for (const key of ['phase', 'startTime', 'message'] as const) {
    const s = readString(obj[key], fieldPath(path, key), c);
    if (s) status[key] = s;
  }
  const condPath = fieldPath(path, 'conditions');
  const conditions = readList(obj.conditions, condPath, c);
  if (conditions) {
    status.conditions = conditions.flatMap((x, i) => {
      const cond = podCondition(x, itemPath(condPath, i), c);
      return cond ? [cond] : [];
    });
  }
  const csPath = fieldPath(path, 'containerStatuses');
  const statuses = readList(obj.containerStatuses, csPath, c);
  if (statuses) {
    status.containerStatuses = statuses.flatMap((x, i) => {
      const cs = containerStatus(x, itemPath(csPath, i), c);
      return cs ? [cs] : [];
    });
  }
  return status;
}

function podCondition(v: unknown, path: string, c: IssueCollector): PodCondition | undefined {
  const o = readObject(v, path, c);
  if (!o) return undefined;
  const type = readString(o.type, fieldPath(path, 'type'), c);
  const status = readEnum(o.status, CONDITION_STATUS, fieldPath(path, 'status'), c);
  if (!type || !status) return undefined;
  const out: PodCondition = { type, status };
  for (const key of ['reason', 'message', 'lastTransitionTime'] as const) {
    const s = readString(o[key], fieldPath(path, key), c);
    if (s) out[key] = s;
  }
  return out;
}

function containerStatus(v: unknown, path: string, c: IssueCollector): ContainerStatus | undefined {
  const o = readObject(v, path, c);
  if (!o) return undefined;
  const name = readString(o.name, fieldPath(path, 'name'), c);
  if (!name) return undefined;
  const out: ContainerStatus = {
    name,
    ready: readBool(o.ready, fieldPath(path, 'ready'), c) ?? false,
    restartCount: readInt(o.restartCount, fieldPath(path, 'restartCount'), c, { min: 0 }) ?? 0,
  };
  const started = readBool(o.started, fieldPath(path, 'started'), c);
  if (started !== undefined) out.started = started;
  return out;
}
