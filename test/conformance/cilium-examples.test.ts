import { describe, it } from 'node:test';
import {
  ccnp,
  cluster,
  cnp,
  expectVerdict,
  knp,
  NODE_IP,
  OTHER_WORLD_IP,
  PING_TYPE,
  pod,
  WORLD_IP,
} from './cilium-fixture.js';

describe('Cilium L3 label-based policy (layer3.rst "l3-rule")', () => {
  const l3Rule = cnp('default', 'l3-rule', {
    endpointSelector: { matchLabels: { role: 'backend' } },
    ingress: [{ fromEndpoints: [{ matchLabels: { role: 'frontend' } }] }],
  });

  it('allows role=frontend into role=backend on any port and protocol, ICMP included', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'backend', { role: 'backend' }, [{ port: 80 }]),
        pod('default', 'frontend', { role: 'frontend' }),
        l3Rule,
      ],
    );
    expectVerdict(
      e,
      { from: 'default/frontend', to: 'default/backend', port: 80, protocol: 'TCP' },
      'allowed',
      ['l3-rule'],
    );
    expectVerdict(
      e,
      { from: 'default/frontend', to: 'default/backend', port: 5432, protocol: 'TCP' },
      'allowed',
    );
    expectVerdict(
      e,
      { from: 'default/frontend', to: 'default/backend', port: 53, protocol: 'UDP' },
      'allowed',
    );
    expectVerdict(
      e,
      { from: 'default/frontend', to: 'default/backend', port: PING_TYPE, protocol: 'ICMP' },
      'allowed',
    );
  });

  it('denies every other peer once role=backend is selected (default deny on ingress)', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'backend', { role: 'backend' }),
        pod('default', 'other', { role: 'other' }),
        pod('default', 'nolabels', {}),
        l3Rule,
      ],
    );
    expectVerdict(e, { from: 'default/other', to: 'default/backend', port: 80, protocol: 'TCP' }, 'denied', [
      'l3-rule',
    ]);
    expectVerdict(
      e,
      { from: 'default/nolabels', to: 'default/backend', port: 80, protocol: 'TCP' },
      'denied',
    );
    expectVerdict(e, { from: WORLD_IP, to: 'default/backend', port: 80, protocol: 'TCP' }, 'denied');
  });

  it('pins fromEndpoints of a CNP to the policy namespace: role=frontend elsewhere is denied', () => {
    const e = cluster(
      ['default', 'other-ns'],
      [
        pod('default', 'backend', { role: 'backend' }),
        pod('other-ns', 'frontend', { role: 'frontend' }),
        l3Rule,
      ],
    );
    expectVerdict(
      e,
      { from: 'other-ns/frontend', to: 'default/backend', port: 80, protocol: 'TCP' },
      'denied',
    );
  });

  it('leaves unselected pods and the egress direction alone', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'backend', { role: 'backend' }),
        pod('default', 'frontend', { role: 'frontend' }),
        pod('default', 'other', { role: 'other' }),
        l3Rule,
      ],
    );
    expectVerdict(e, { from: 'default/backend', to: 'default/other', port: 80, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: 'default/backend', to: WORLD_IP, port: 443, protocol: 'TCP' }, 'allowed');
    expectVerdict(
      e,
      { from: 'default/backend', to: 'default/frontend', port: 80, protocol: 'TCP' },
      'allowed',
    );
  });
});

describe('Cilium deny-egress-example (layer3.rst / deny.rst)', () => {
  it('egress to all, except an egressDeny toward role=backend', () => {
    const e = cluster(
      ['default', 'other'],
      [
        pod('default', 'frontend', { role: 'frontend' }),
        pod('default', 'backend', { role: 'backend' }),
        pod('default', 'db', { role: 'db' }),
        pod('other', 'backend', { role: 'backend' }),
        cnp('default', 'deny-egress-example', {
          endpointSelector: { matchLabels: { role: 'frontend' } },
          egress: [{ toEntities: ['all'] }],
          egressDeny: [{ toEndpoints: [{ matchLabels: { role: 'backend' } }] }],
        }),
      ],
    );
    expectVerdict(
      e,
      { from: 'default/frontend', to: 'default/backend', port: 80, protocol: 'TCP' },
      'denied',
      ['deny-egress-example'],
    );
    expectVerdict(
      e,
      { from: 'default/frontend', to: 'default/backend', port: PING_TYPE, protocol: 'ICMP' },
      'denied',
    );
    expectVerdict(e, { from: 'default/frontend', to: 'default/db', port: 5432, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: 'default/frontend', to: WORLD_IP, port: 443, protocol: 'TCP' }, 'allowed');
    // The deny's toEndpoints is a CNP peer selector: pinned to the policy namespace.
    expectVerdict(e, { from: 'default/frontend', to: 'other/backend', port: 80, protocol: 'TCP' }, 'allowed');
  });
});

describe('Cilium and Kubernetes policies together', () => {
  it('allows are a union across NetworkPolicy, CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'server', { app: 'server' }),
        pod('default', 'knp-client', { app: 'knp-client' }),
        pod('default', 'cnp-client', { app: 'cnp-client' }),
        pod('default', 'ccnp-client', { app: 'ccnp-client' }),
        pod('default', 'stranger', { app: 'stranger' }),
        knp('default', 'knp-allow', {
          podSelector: { matchLabels: { app: 'server' } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ podSelector: { matchLabels: { app: 'knp-client' } } }] }],
        }),
        cnp('default', 'cnp-allow', {
          endpointSelector: { matchLabels: { app: 'server' } },
          ingress: [{ fromEndpoints: [{ matchLabels: { app: 'cnp-client' } }] }],
        }),
        ccnp('ccnp-allow', {
          endpointSelector: { matchLabels: { app: 'server' } },
          ingress: [{ fromEndpoints: [{ matchLabels: { app: 'ccnp-client' } }] }],
        }),
      ],
    );
    const to = 'default/server';
    expectVerdict(e, { from: 'default/knp-client', to, port: 80, protocol: 'TCP' }, 'allowed', ['knp-allow']);
    expectVerdict(e, { from: 'default/cnp-client', to, port: 80, protocol: 'TCP' }, 'allowed', ['cnp-allow']);
    expectVerdict(e, { from: 'default/ccnp-client', to, port: 80, protocol: 'TCP' }, 'allowed', [
      'ccnp-allow',
    ]);
    expectVerdict(e, { from: 'default/stranger', to, port: 80, protocol: 'TCP' }, 'denied');
  });

  it('a NetworkPolicy isolates the pod for Cilium too: a CNP egress rule elsewhere does not open its ingress', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'server', { app: 'server' }),
        pod('default', 'client', { app: 'client' }),
        knp('default', 'deny-all-ingress', { podSelector: {}, policyTypes: ['Ingress'], ingress: [] }),
        cnp('default', 'client-egress', {
          endpointSelector: { matchLabels: { app: 'client' } },
          egress: [{ toEndpoints: [{ matchLabels: { app: 'server' } }] }],
        }),
      ],
    );
    expectVerdict(e, { from: 'default/client', to: 'default/server', port: 80, protocol: 'TCP' }, 'denied', [
      'deny-all-ingress',
    ]);
  });
});

describe('Cilium namespace scoping: CiliumNetworkPolicy vs CiliumClusterwideNetworkPolicy', () => {
  const pods = () => [
    pod('ns-a', 'server', { app: 'server' }),
    pod('ns-a', 'client', { app: 'client' }),
    pod('ns-b', 'server', { app: 'server' }),
    pod('ns-b', 'client', { app: 'client' }),
    pod('ns-b', 'other', { app: 'other' }),
  ];
  const rule = {
    endpointSelector: { matchLabels: { app: 'server' } },
    ingress: [{ fromEndpoints: [{ matchLabels: { app: 'client' } }] }],
  };

  it('CNP: endpointSelector and fromEndpoints only see the policy namespace', () => {
    const e = cluster(['ns-a', 'ns-b'], [...pods(), cnp('ns-a', 'server-from-client', rule)]);
    expectVerdict(e, { from: 'ns-a/client', to: 'ns-a/server', port: 80, protocol: 'TCP' }, 'allowed', [
      'server-from-client',
    ]);
    expectVerdict(e, { from: 'ns-b/client', to: 'ns-a/server', port: 80, protocol: 'TCP' }, 'denied');
    // ns-b/server is not selected by a policy of ns-a.
    expectVerdict(e, { from: 'ns-b/other', to: 'ns-b/server', port: 80, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: 'ns-a/client', to: 'ns-b/server', port: 80, protocol: 'TCP' }, 'allowed');
  });

  it('CCNP: selects app=server in every namespace and admits app=client from any namespace', () => {
    const e = cluster(['ns-a', 'ns-b'], [...pods(), ccnp('server-from-client', rule)]);
    expectVerdict(e, { from: 'ns-b/client', to: 'ns-a/server', port: 80, protocol: 'TCP' }, 'allowed', [
      'server-from-client',
    ]);
    expectVerdict(e, { from: 'ns-a/client', to: 'ns-b/server', port: 80, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: 'ns-b/other', to: 'ns-b/server', port: 80, protocol: 'TCP' }, 'denied');
    expectVerdict(e, { from: WORLD_IP, to: 'ns-a/server', port: 80, protocol: 'TCP' }, 'denied');
  });

  it('fromEndpoints [{}]: CNP means "pods of this namespace", CCNP means "any pod", neither means world', () => {
    const wildcard = {
      endpointSelector: { matchLabels: { app: 'server' } },
      ingress: [{ fromEndpoints: [{}] }],
    };
    const scoped = cluster(['ns-a', 'ns-b'], [...pods(), cnp('ns-a', 'same-ns', wildcard)]);
    expectVerdict(scoped, { from: 'ns-a/client', to: 'ns-a/server', port: 80, protocol: 'TCP' }, 'allowed');
    expectVerdict(scoped, { from: 'ns-b/other', to: 'ns-a/server', port: 80, protocol: 'TCP' }, 'denied');
    expectVerdict(scoped, { from: WORLD_IP, to: 'ns-a/server', port: 80, protocol: 'TCP' }, 'denied');

    const clusterwide = cluster(['ns-a', 'ns-b'], [...pods(), ccnp('any-pod', wildcard)]);
    expectVerdict(
      clusterwide,
      { from: 'ns-b/other', to: 'ns-a/server', port: 80, protocol: 'TCP' },
      'allowed',
    );
    expectVerdict(
      clusterwide,
      { from: 'ns-a/client', to: 'ns-b/server', port: 80, protocol: 'TCP' },
      'allowed',
    );
    expectVerdict(clusterwide, { from: WORLD_IP, to: 'ns-a/server', port: 80, protocol: 'TCP' }, 'denied');
  });

  it('CNP with io.kubernetes.pod.namespace in a peer selector reaches that namespace', () => {
    const e = cluster(
      ['ns-a', 'ns-b'],
      [
        ...pods(),
        cnp('ns-a', 'from-ns-b-clients', {
          endpointSelector: { matchLabels: { app: 'server' } },
          ingress: [
            {
              fromEndpoints: [{ matchLabels: { app: 'client', 'k8s:io.kubernetes.pod.namespace': 'ns-b' } }],
            },
          ],
        }),
      ],
    );
    expectVerdict(e, { from: 'ns-b/client', to: 'ns-a/server', port: 80, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: 'ns-a/client', to: 'ns-a/server', port: 80, protocol: 'TCP' }, 'denied');
  });
});

describe('Cilium entities (layer3.rst)', () => {
  it('from-world-to-role-public: world is admitted, pods are not (they are cluster, not world)', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'public', { role: 'public' }),
        pod('default', 'client', { app: 'client' }),
        cnp('default', 'from-world-to-role-public', {
          endpointSelector: { matchLabels: { role: 'public' } },
          ingress: [{ fromEntities: ['world'] }],
        }),
      ],
    );
    expectVerdict(e, { from: WORLD_IP, to: 'default/public', port: 443, protocol: 'TCP' }, 'allowed', [
      'from-world-to-role-public',
    ]);
    expectVerdict(e, { from: OTHER_WORLD_IP, to: 'default/public', port: 80, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: 'default/client', to: 'default/public', port: 80, protocol: 'TCP' }, 'denied');
  });

  it('the local host still reaches a pod in ingress default deny (--allow-localhost default)', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'public', { role: 'public' }),
        cnp('default', 'from-world-to-role-public', {
          endpointSelector: { matchLabels: { role: 'public' } },
          ingress: [{ fromEntities: ['world'] }],
        }),
      ],
    );
    expectVerdict(e, { from: NODE_IP, to: 'default/public', port: 8080, protocol: 'TCP' }, 'allowed');
  });

  it('an ingressDeny from the host entity still wins over the --allow-localhost allow', () => {
    // pkg/policy mapstate: the localhost allow is inserted deny-preferred, so an explicit deny keeps precedence.
    const e = cluster(
      ['default'],
      [
        pod('default', 'public', { role: 'public' }),
        cnp('default', 'deny-host', {
          endpointSelector: { matchLabels: { role: 'public' } },
          ingress: [{ fromEntities: ['world'] }],
          ingressDeny: [{ fromEntities: ['host'] }],
        }),
      ],
    );
    expectVerdict(e, { from: NODE_IP, to: 'default/public', port: 8080, protocol: 'TCP' }, 'denied', [
      'deny-host',
    ]);
  });

  it('dev-to-host: egress to the host entity (the node) only', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'dev', { env: 'dev' }),
        pod('default', 'server', { app: 'server' }),
        cnp('default', 'dev-to-host', {
          endpointSelector: { matchLabels: { env: 'dev' } },
          egress: [{ toEntities: ['host'] }],
        }),
      ],
    );
    expectVerdict(e, { from: 'default/dev', to: NODE_IP, port: 10250, protocol: 'TCP' }, 'allowed', [
      'dev-to-host',
    ]);
    expectVerdict(e, { from: 'default/dev', to: 'default/server', port: 80, protocol: 'TCP' }, 'denied');
    expectVerdict(e, { from: 'default/dev', to: WORLD_IP, port: 80, protocol: 'TCP' }, 'denied');
  });

  it('cluster entity: every pod (any namespace) and the host, but not world', () => {
    const e = cluster(
      ['default', 'other'],
      [
        pod('default', 'client', { app: 'client' }),
        pod('other', 'server', { app: 'server' }),
        cnp('default', 'to-cluster', {
          endpointSelector: { matchLabels: { app: 'client' } },
          egress: [{ toEntities: ['cluster'] }],
        }),
      ],
    );
    expectVerdict(e, { from: 'default/client', to: 'other/server', port: 80, protocol: 'TCP' }, 'allowed', [
      'to-cluster',
    ]);
    expectVerdict(e, { from: 'default/client', to: NODE_IP, port: 22, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: 'default/client', to: WORLD_IP, port: 80, protocol: 'TCP' }, 'denied');
  });

  it('world entity on egress is the same as 0.0.0.0/0 outside the cluster: pods are not world', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'client', { app: 'client' }),
        pod('default', 'server', { app: 'server' }),
        cnp('default', 'to-world', {
          endpointSelector: { matchLabels: { app: 'client' } },
          egress: [{ toEntities: ['world'] }],
        }),
      ],
    );
    expectVerdict(e, { from: 'default/client', to: WORLD_IP, port: 443, protocol: 'TCP' }, 'allowed', [
      'to-world',
    ]);
    expectVerdict(e, { from: 'default/client', to: 'default/server', port: 80, protocol: 'TCP' }, 'denied');
  });

  it('all entity: world, host and pods', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'server', { app: 'server' }),
        pod('default', 'client', { app: 'client' }),
        cnp('default', 'from-all', {
          endpointSelector: { matchLabels: { app: 'server' } },
          ingress: [{ fromEntities: ['all'] }],
        }),
      ],
    );
    expectVerdict(e, { from: WORLD_IP, to: 'default/server', port: 80, protocol: 'TCP' }, 'allowed', [
      'from-all',
    ]);
    expectVerdict(e, { from: 'default/client', to: 'default/server', port: 80, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: NODE_IP, to: 'default/server', port: 80, protocol: 'TCP' }, 'allowed');
  });

  it('external-lockdown (deny.rst): ingressDeny world + ingress all blocks world only', () => {
    const e = cluster(
      ['default', 'other'],
      [
        pod('default', 'server', { app: 'server' }),
        pod('other', 'client', { app: 'client' }),
        ccnp('external-lockdown', {
          endpointSelector: {},
          ingressDeny: [{ fromEntities: ['world'] }],
          ingress: [{ fromEntities: ['all'] }],
        }),
      ],
    );
    expectVerdict(e, { from: WORLD_IP, to: 'default/server', port: 80, protocol: 'TCP' }, 'denied', [
      'external-lockdown',
    ]);
    expectVerdict(e, { from: 'other/client', to: 'default/server', port: 80, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: 'default/server', to: 'other/client', port: 80, protocol: 'TCP' }, 'allowed');
  });
});
