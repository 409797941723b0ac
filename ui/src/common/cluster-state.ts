// The cluster's objects in the page: listed once, then kept current by the agent's watch stream (SSE).
import { createContext, useContext, useEffect, useState } from 'react';
import { openEvents } from '../api/client.js';
import type { KubeObject, WatchEvent } from '../api/types.js';

export interface ClusterState {
  objects: ReadonlyMap<string, KubeObject>;
  connected: boolean;
  /** Bumped on every change, for memoization. */
  version: number;
}

export const objectKey = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export const POLICY_KINDS = new Set([
  'NetworkPolicy',
  'CiliumNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
]);

export function useClusterObjects(): ClusterState {
  const [state, setState] = useState<ClusterState>({ objects: new Map(), connected: false, version: 0 });
  useEffect(() => {
    let objects = new Map<string, KubeObject>();
    let version = 0;
    const publish = (connected: boolean) => setState({ objects, connected, version: ++version });
    return openEvents(
      '/api/watch',
      {
        list: (data) => {
          objects = new Map((data as { items: KubeObject[] }).items.map((o) => [objectKey(o), o]));
          publish(true);
        },
        events: (data) => {
          objects = new Map(objects);
          for (const e of data as WatchEvent[]) {
            if (!e.object?.kind) continue;
            if (e.type === 'DELETED') objects.delete(objectKey(e.object));
            else objects.set(objectKey(e.object), e.object);
          }
          publish(true);
        },
        failure: () => publish(false),
      },
      (open) => {
        if (!open) setState((s) => ({ ...s, connected: false }));
      },
    );
  }, []);
  return state;
}

export const ClusterContext = createContext<ClusterState>({
  objects: new Map(),
  connected: false,
  version: 0,
});

export function useCluster(): ClusterState {
  return useContext(ClusterContext);
}

export function objectsOfKind(state: ClusterState, ...kinds: string[]): KubeObject[] {
  const set = new Set(kinds);
  return [...state.objects.values()].filter((o) => set.has(o.kind));
}
