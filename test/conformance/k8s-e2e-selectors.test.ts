// Upstream netpol e2e cases 01–14: default deny, pod/namespace selectors, ports.
//
// Ported from kubernetes/kubernetes test/e2e/network/netpol/network_policy.go (Netpol / "NetworkPolicy
// between server and client"), same policies, steps, probes and expectation tables:
//   01 should support a 'default-deny-ingress' policy
//   02 should support a 'default-deny-all' policy
//   03 should enforce policy to allow traffic from pods within server namespace based on PodSelector
//   04 should enforce policy to allow ingress traffic for a target
//   05 should enforce policy to allow ingress traffic from pods in all namespaces
//   06 should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector
//   07 should enforce policy based on PodSelector with MatchExpressions
//   08 should enforce policy based on NamespaceSelector with MatchExpressions
//   09 should enforce policy based on PodSelector or NamespaceSelector
//   10 should enforce policy based on PodSelector and NamespaceSelector
//   11 should enforce policy based on Multiple PodSelectors and NamespaceSelectors
//   12 should enforce policy based on any PodSelectors
//   13 should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector
//   14 should enforce policy based on Ports
import { describe } from 'node:test';
import { upstreamCase } from './harness.js';
import { networkPolicy, networkPolicyMatchLabels } from './model.js';

const NS_KEY = 'kubernetes.io/metadata.name';
const MAIN = 'NetworkPolicy between server and client';

describe(`Netpol ${MAIN} (01–14)`, () => {
  upstreamCase(MAIN, "should support a 'default-deny-ingress' policy", (h) => {
    h.createPolicy(networkPolicy('deny-ingress', 'x', {}, { ingress: [] }));
    const r = h.reachability();
    r.expectPeer({}, { namespace: 'x' }, false);
    h.validate(80, 'TCP', r);
  });

  upstreamCase(MAIN, "should support a 'default-deny-all' policy", (h) => {
    h.createPolicy(networkPolicy('deny-all', 'x', {}, { ingress: [], egress: [] }));
    const r = h.reachability();
    r.expectPeer({}, { namespace: 'x' }, false);
    r.expectPeer({ namespace: 'x' }, {}, false);
    h.validate(80, 'TCP', r);
  });

  upstreamCase(
    MAIN,
    'should enforce policy to allow traffic from pods within server namespace based on PodSelector',
    (h) => {
      h.createPolicy(
        networkPolicyMatchLabels(
          'x-a-allows-x-b',
          'x',
          { pod: 'a' },
          { ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] },
        ),
      );
      const r = h.reachability();
      r.expectAllIngress('x/a', false);
      r.expect('x/b', 'x/a', true);
      h.validate(80, 'TCP', r);
    },
  );

  upstreamCase(MAIN, 'should enforce policy to allow ingress traffic for a target', (h) => {
    // "having a deny all ingress policy"
    h.createPolicy(networkPolicy('deny-all', 'x', {}, { ingress: [] }));
    // Allow Ingress traffic only to pod x/a from any pod
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-all-to-a',
        'x',
        { pod: 'a' },
        { ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }] },
      ),
    );
    const r = h.reachability();
    r.expectAllIngress('x/a', true);
    r.expectAllIngress('x/b', false);
    r.expectAllIngress('x/c', false);
    h.validate(80, 'TCP', r);
  });

  upstreamCase(MAIN, 'should enforce policy to allow ingress traffic from pods in all namespaces', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-from-another-ns',
        'x',
        { pod: 'a' },
        { ingress: [{ from: [{ namespaceSelector: { matchLabels: {} } }] }] },
      ),
    );
    h.validate(80, 'TCP', h.reachability());
  });

  upstreamCase(
    MAIN,
    'should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector',
    (h) => {
      h.createPolicy(
        networkPolicyMatchLabels(
          'allow-client-a-via-ns-selector',
          'x',
          { pod: 'a' },
          { ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NS_KEY]: 'y' } } }] }] },
        ),
      );
      const r = h.reachability();
      // disallow all traffic from the x or z namespaces
      r.expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false);
      r.expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false);
      h.validate(80, 'TCP', r);
    },
  );

  upstreamCase(MAIN, 'should enforce policy based on PodSelector with MatchExpressions', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'x-a-allows-x-b',
        'x',
        { pod: 'a' },
        {
          ingress: [
            {
              from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b'] }] } }],
            },
          ],
        },
      ),
    );
    const r = h.reachability();
    r.expectAllIngress('x/a', false);
    r.expect('x/b', 'x/a', true);
    h.validate(80, 'TCP', r);
  });

  upstreamCase(MAIN, 'should enforce policy based on NamespaceSelector with MatchExpressions', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-ns-y-match-selector',
        'x',
        { pod: 'a' },
        {
          ingress: [
            {
              from: [
                { namespaceSelector: { matchExpressions: [{ key: NS_KEY, operator: 'In', values: ['y'] }] } },
              ],
            },
          ],
        },
      ),
    );
    const r = h.reachability();
    r.expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false);
    r.expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false);
    h.validate(80, 'TCP', r);
  });

  upstreamCase(MAIN, 'should enforce policy based on PodSelector or NamespaceSelector', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-ns-y-match-selector',
        'x',
        { pod: 'a' },
        {
          ingress: [
            {
              from: [
                {
                  namespaceSelector: {
                    matchExpressions: [{ key: NS_KEY, operator: 'NotIn', values: ['x'] }],
                  },
                },
                { podSelector: { matchLabels: { pod: 'b' } } },
              ],
            },
          ],
        },
      ),
    );
    const r = h.reachability();
    r.expect('x/a', 'x/a', false);
    r.expect('x/c', 'x/a', false);
    h.validate(80, 'TCP', r);
  });

  upstreamCase(MAIN, 'should enforce policy based on PodSelector and NamespaceSelector', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-ns-y-podselector-and-nsselector',
        'x',
        { pod: 'a' },
        {
          ingress: [
            {
              from: [
                {
                  namespaceSelector: {
                    matchExpressions: [{ key: NS_KEY, operator: 'NotIn', values: ['x'] }],
                  },
                  podSelector: { matchLabels: { pod: 'b' } },
                },
              ],
            },
          ],
        },
      ),
    );
    const r = h.reachability();
    r.expectAllIngress('x/a', false);
    r.expect('y/b', 'x/a', true);
    r.expect('z/b', 'x/a', true);
    h.validate(80, 'TCP', r);
  });

  upstreamCase(MAIN, 'should enforce policy based on Multiple PodSelectors and NamespaceSelectors', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-ns-y-z-pod-b-c',
        'x',
        { pod: 'a' },
        {
          ingress: [
            {
              from: [
                {
                  namespaceSelector: {
                    matchExpressions: [{ key: NS_KEY, operator: 'NotIn', values: ['x'] }],
                  },
                  podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] },
                },
              ],
            },
          ],
        },
      ),
    );
    const r = h.reachability();
    r.expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false);
    r.expect('y/a', 'x/a', false);
    r.expect('z/a', 'x/a', false); // 9-pod version only; the newest topology has no z/a
    h.validate(80, 'TCP', r);
  });

  upstreamCase(MAIN, 'should enforce policy based on any PodSelectors', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-ns-x-pod-b-c',
        'x',
        { pod: 'a' },
        {
          ingress: [
            {
              from: [
                { podSelector: { matchLabels: { pod: 'b' } } },
                { podSelector: { matchLabels: { pod: 'c' } } },
              ],
            },
          ],
        },
      ),
    );
    const r = h.reachability();
    r.expectAllIngress('x/a', false);
    // Connect Pods b and c to pod a from namespace nsX
    r.expect('x/b', 'x/a', true);
    r.expect('x/c', 'x/a', true);
    h.validate(80, 'TCP', r);
  });

  upstreamCase(
    MAIN,
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
      h.validate(80, 'TCP', r);
    },
  );

  upstreamCase(MAIN, 'should enforce policy based on Ports', (h) => {
    // "Creating a network allowPort81Policy which only allows allow listed namespaces (y) to connect on
    // exactly one port (81)"
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-client-a-via-ns-selector',
        'x',
        { pod: 'a' },
        {
          ingress: [
            {
              from: [{ namespaceSelector: { matchLabels: { [NS_KEY]: 'y' } } }],
              ports: [{ port: 81, protocol: 'TCP' }],
            },
          ],
        },
      ),
    );
    const r = h.reachability();
    r.expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false);
    r.expectPeer({ namespace: 'y' }, { namespace: 'x', pod: 'a' }, true);
    r.expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false);
    h.validate(81, 'TCP', r);
  });
});
