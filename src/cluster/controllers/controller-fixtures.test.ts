// Objects and waiting helpers shared by the controller tests.
import type { Deployment, ObjectMeta, Pod, Service } from '../../resources/index.js';
import type { ObjectStore } from '../store/index.js';

export function deployment(
  name: string,
  replicas: number,
  labels: Record<string, string> = { app: name },
): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'main',
              image: 'porin/echo',
              ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
            },
          ],
        },
      },
    },
  };
}

export function pod(
  name: string,
  extra: { labels?: Record<string, string>; meta?: Partial<ObjectMeta>; ip?: string; ready?: boolean } = {},
): Pod {
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      labels: extra.labels ?? { app: 'web' },
      ...extra.meta,
    },
    spec: {
      containers: [
        {
          name: 'main',
          image: 'porin/echo',
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        },
      ],
    },
  };
  if (extra.ip) {
    p.status = { podIP: extra.ip };
    if (extra.ready !== undefined) {
      (p.status as Record<string, unknown>).conditions = [
        { type: 'Ready', status: extra.ready ? 'True' : 'False' },
      ];
    }
  }
  return p;
}

export function service(name: string, spec: Partial<Service['spec']> = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      type: 'ClusterIP',
      selector: { app: name },
      ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }],
      ...spec,
    },
  };
}

/** Polls until `check` returns a value (not undefined/false) or the time is up. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  ms = 3000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Marks a pod as the runtime would: address and Ready condition. */
export async function markPod(store: ObjectStore, name: string, ip: string, ready = true): Promise<void> {
  await store.updateStatus('Pod', 'default', name, {
    phase: 'Running',
    podIP: ip,
    podIPs: [{ ip }],
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
  });
}
