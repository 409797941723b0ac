// Upstream netpol e2e cases 43–48: the UDP ("Netpol [LinuxOnly]") and SCTP ("Netpol [Feature:SCTPConnectivity]") blocks.
//
// Ported from kubernetes/kubernetes test/e2e/network/netpol/network_policy.go, same policies, probes and tables:
//   43 [UDP]  should support a 'default-deny-ingress' policy
//   44 [UDP]  should enforce policy based on Ports
//   45 [UDP]  should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector
//   46 [SCTP] should support a 'default-deny-ingress' policy
//   47 [SCTP] should enforce policy based on Ports
//   48 [SCTP] should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector
import { describe } from 'node:test';
import type { Protocol } from '../../src/resources/types/index.js';
import { upstreamCase } from './harness.js';
import { networkPolicy, networkPolicyMatchLabels } from './model.js';
import type { UpstreamContext } from './upstream-cases.js';

const NS_KEY = 'kubernetes.io/metadata.name';

function protocolBlock(context: UpstreamContext, protocol: Protocol, title: string): void {
  describe(title, () => {
    upstreamCase(context, "should support a 'default-deny-ingress' policy", (h) => {
      h.createPolicy(networkPolicy('deny-all', 'x', {}, { ingress: [] }));
      const r = h.reachability();
      r.expectPeer({}, { namespace: 'x' }, false);
      h.validate(80, protocol, r);
    });

    upstreamCase(context, 'should enforce policy based on Ports', (h) => {
      h.createPolicy(
        networkPolicyMatchLabels(
          'allow-ingress-on-port-81-ns-x',
          'x',
          { pod: 'a' },
          {
            ingress: [
              {
                from: [{ namespaceSelector: { matchLabels: { [NS_KEY]: 'y' } } }],
                ports: [{ port: 81, protocol }],
              },
            ],
          },
        ),
      );
      const r = h.reachability();
      r.expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false);
      r.expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false);
      h.validate(81, protocol, r);
    });

    upstreamCase(
      context,
      'should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector',
      (h) => {
        h.createPolicy(
          networkPolicyMatchLabels(
            'allow-ns-y-pod-a-via-namespace-pod-selector',
            'x',
            { pod: 'a' },
            {
              ingress: [
                {
                  from: [
                    {
                      namespaceSelector: { matchLabels: { [NS_KEY]: 'y' } },
                      podSelector: { matchLabels: { pod: 'a' } },
                    },
                  ],
                },
              ],
            },
          ),
        );
        const r = h.reachability();
        r.expectAllIngress('x/a', false);
        r.expect('y/a', 'x/a', true);
        h.validate(80, protocol, r);
      },
    );
  });
}

protocolBlock(
  'NetworkPolicy between server and client using UDP',
  'UDP',
  'Netpol [LinuxOnly] NetworkPolicy between server and client using UDP',
);
protocolBlock(
  'NetworkPolicy between server and client using SCTP',
  'SCTP',
  'Netpol [Feature:SCTPConnectivity] NetworkPolicy between server and client using SCTP',
);
