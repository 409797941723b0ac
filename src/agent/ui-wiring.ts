// The agent's part of the web UI: the insight routes on its API, and the UI itself when its loopback is the user's.
import type { RouteTable } from '../api/index.js';
import type { ObjectStore } from '../cluster/store/index.js';
import type { ClusterConfig } from '../config/cluster-config.js';
import type { FlowStore } from '../flow/flow-store.js';
import { isPolicyObject, registerInsightRoutes, WhatIfEngine } from '../insight/index.js';
import { isAuditMode } from '../policylog/index.js';
import type { Deployment, ExternalHost, Resource } from '../resources/index.js';
import { inHostNetworkNamespace, UiServer } from '../ui-server/index.js';
import { dnsEndpoint } from './policy-sync.js';

/** The kinds the enforcing engine reads, in the order PolicySync loads them. */
const ENGINE_KINDS = [
  'Namespace',
  'Node',
  'Pod',
  'Service',
  'EndpointSlice',
  'NetworkPolicy',
  'CiliumNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
] as const;

export function registerInsight(
  api: RouteTable,
  store: ObjectStore,
  flows: () => FlowStore | undefined,
  config: ClusterConfig,
): void {
  // The what-if engine sees what the enforcing one sees: the cluster DNS stand-in, every object, and
  // no audit-mode policy (those never reach enforcement).
  const whatIf = new WhatIfEngine(
    async () => {
      const lists = await Promise.all(ENGINE_KINDS.map((k) => store.list(k)));
      const objects: Resource[] = [dnsEndpoint(config)];
      for (const l of lists)
        for (const o of l.items)
          if (!isPolicyObject(o) || !isAuditMode(o.metadata.annotations)) objects.push(o);
      const revision = String(Math.max(...lists.map((l) => Number(l.resourceVersion))));
      return { revision, objects };
    },
    { cluster: config.clusterName, localNode: config.nodeName },
  );
  registerInsightRoutes(api, {
    flows,
    whatIf,
    deployments: async () => (await store.list('Deployment')).items as Deployment[],
    podCIDRs: [config.clusterCIDR],
    externalHosts: async () =>
      ((await store.list('ExternalHost')).items as ExternalHost[]).map((h) => ({
        name: h.metadata.name,
        ...(h.metadata.namespace ? { namespace: h.metadata.namespace } : {}),
        hostnames: h.spec.hostnames,
        addresses: h.spec.addresses,
      })),
  });
}

/**
 * Serves the UI on 127.0.0.1:12000 (PORIN_UI_PORT; 0 turns it off) when the agent runs in the machine's own
 * network namespace. A cluster in a private namespace (`--host-netns`) has a loopback of its own: `porin ui`
 * serves the page in the user's namespace instead, over the agent's socket. Never fatal: a busy port is
 * logged and left alone.
 */
export async function startAgentUi(
  config: ClusterConfig,
  socketPath: string,
  log: (m: string) => void,
): Promise<UiServer | undefined> {
  if (config.uiPort <= 0) return undefined;
  if (config.hostNetns !== undefined || !inHostNetworkNamespace()) {
    log('web UI: the agent runs in a private network namespace; `porin ui` serves it');
    return undefined;
  }
  const ui = new UiServer({ agentSocket: socketPath, port: config.uiPort });
  if (!ui.built) {
    log('web UI: not built (npm run build); not served');
    return undefined;
  }
  try {
    await ui.listen();
    log(`web UI: ${ui.url}`);
    return ui;
  } catch (e) {
    log(`web UI: not served on port ${config.uiPort}: ${(e as Error).message}`);
    return undefined;
  }
}
