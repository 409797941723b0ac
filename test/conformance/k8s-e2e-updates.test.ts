// Upstream netpol e2e cases 15–28: stacked and allow-all policies, named ports, updates, egress.
//
// Ported from kubernetes/kubernetes test/e2e/network/netpol/network_policy.go (Netpol / "NetworkPolicy
// between server and client"), same policies, steps, probes and expectation tables:
//   15 should enforce multiple, stacked policies with overlapping podSelectors
//   16 should support allow-all policy
//   17 should allow ingress access on one named port
//   18 should allow ingress access from namespace on one named port
//   19 should allow egress access on one named port
//   20 should enforce updated policy
//   21 should allow ingress access from updated namespace
//   22 should allow ingress access from updated pod
//   23 should deny ingress from pods on other namespaces
//   24 should deny ingress access to updated pod
//   25 should deny egress from pods based on PodSelector
//   26 should deny egress from all pods in a namespace
//   27 should work with Ingress, Egress specified together
//   28 should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)
import { describe } from 'node:test';
import { upstreamCase } from './harness.js';
import { networkPolicy, networkPolicyMatchLabels } from './model.js';

const NS_KEY = 'kubernetes.io/metadata.name';
const MAIN = 'NetworkPolicy between server and client';

describe(`Netpol ${MAIN} (15–28)`, () => {
  upstreamCase(MAIN, 'should enforce multiple, stacked policies with overlapping podSelectors', (h) => {
    const allowedLabels = { matchLabels: { [NS_KEY]: 'y' } };
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-client-a-via-ns-selector',
        'x',
        { pod: 'a' },
        {
          ingress: [{ from: [{ namespaceSelector: allowedLabels }], ports: [{ port: 81, protocol: 'TCP' }] }],
        },
      ),
    );
    const allow = h.reachability();
    allow.expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false);
    allow.expectPeer({ namespace: 'y' }, { namespace: 'x', pod: 'a' }, true);
    allow.expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false);
    h.validate(81, 'TCP', allow, 'Verifying traffic on port 81.');

    const deny = h.reachability();
    deny.expectAllIngress('x/a', false);
    h.validate(80, 'TCP', deny, 'Verifying traffic on port 80.');

    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-client-a-via-ns-selector-80',
        'x',
        { pod: 'a' },
        {
          ingress: [{ from: [{ namespaceSelector: allowedLabels }], ports: [{ port: 80, protocol: 'TCP' }] }],
        },
      ),
    );
    h.validate(80, 'TCP', allow, 'Verifying that we can add a policy to unblock port 80');
  });

  upstreamCase(MAIN, 'should support allow-all policy', (h) => {
    h.createPolicy(networkPolicyMatchLabels('allow-all', 'x', {}, { ingress: [{}] }));
    const r = h.reachability();
    h.validate(80, 'TCP', r);
    h.validate(81, 'TCP', r);
  });

  upstreamCase(MAIN, 'should allow ingress access on one named port', (h) => {
    // Port given by name only: the apiserver defaults its protocol to TCP.
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-all',
        'x',
        {},
        { ingress: [{ ports: [{ port: 'serve-81-tcp', protocol: 'TCP' }] }] },
      ),
    );
    h.validate(81, 'TCP', h.reachability());
    // disallow all traffic to the x namespace
    const port80 = h.reachability();
    port80.expectPeer({}, { namespace: 'x' }, false);
    h.validate(80, 'TCP', port80);
  });

  upstreamCase(MAIN, 'should allow ingress access from namespace on one named port', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-client-a-via-ns-selector-80',
        'x',
        { pod: 'a' },
        {
          ingress: [
            {
              from: [{ namespaceSelector: { matchLabels: { [NS_KEY]: 'y' } } }],
              ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }],
            },
          ],
        },
      ),
    );
    const r = h.reachability();
    // disallow all traffic from the x or z namespaces
    r.expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false);
    r.expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false);
    h.validate(80, 'TCP', r, 'Verify that port 80 is allowed for namespace y');

    const fail = h.reachability();
    fail.expectAllIngress('x/a', false);
    h.validate(81, 'TCP', fail, 'Verify that port 81 is blocked for all namespaces including y');
  });

  upstreamCase(MAIN, 'should allow egress access on one named port', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-egress',
        'x',
        {},
        { egress: [{ ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }] }] },
      ),
    );
    h.validate(80, 'TCP', h.reachability());
    // meanwhile no traffic over 81 should work, since our egress policy is on 80
    const port81 = h.reachability();
    port81.expectPeer({ namespace: 'x' }, {}, false);
    h.validate(81, 'TCP', port81);
  });

  upstreamCase(MAIN, 'should enforce updated policy', (h) => {
    // part 1) allow all
    const policy = networkPolicyMatchLabels('allow-all-mutate-to-deny-all', 'x', {}, { ingress: [{}] });
    h.createPolicy(policy);
    h.validate(81, 'TCP', h.reachability(), 'allow all');

    // part 2) update the policy to deny all (policyTypes stay [Ingress])
    h.updatePolicy({ ...policy, spec: { ...policy.spec, ingress: [] } });
    const deny = h.reachability();
    deny.expectPeer({}, { namespace: 'x' }, false);
    h.validate(81, 'TCP', deny, 'updated to deny all');
  });

  upstreamCase(MAIN, 'should allow ingress access from updated namespace', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-client-a-via-ns-selector',
        'x',
        { pod: 'a' },
        { ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns2: 'updated' } } }] }] },
      ),
    );
    const r = h.reachability();
    r.expectAllIngress('x/a', false);
    h.validate(80, 'TCP', r, 'before the namespace label');

    // add a new label
    h.addNamespaceLabel('y', 'ns2', 'updated');

    // anything from namespace 'y' should be able to get to x/a
    const withLabel = h.reachability();
    withLabel.expectAllIngress('x/a', false);
    withLabel.expectPeer({ namespace: 'y' }, {}, true);
    h.validate(80, 'TCP', withLabel, 'after AddNamespaceLabel(y, ns2=updated)');
  });

  upstreamCase(MAIN, 'should allow ingress access from updated pod', (h) => {
    const matchLabels = { pod: 'b', pod2: 'updated' };
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-client-a-via-pod-selector',
        'x',
        { pod: 'a' },
        { ingress: [{ from: [{ podSelector: { matchLabels } }] }] },
      ),
    );
    const r = h.reachability();
    r.expectAllIngress('x/a', false);
    h.validate(80, 'TCP', r, 'before the pod label');

    h.addPodLabels('x/b', matchLabels);

    // x/b is able to reach x/a when label is updated
    const withLabel = h.reachability();
    withLabel.expectAllIngress('x/a', false);
    withLabel.expect('x/b', 'x/a', true);
    h.validate(80, 'TCP', withLabel, 'after AddPodLabels(x/b, pod2=updated)');
  });

  upstreamCase(MAIN, 'should deny ingress from pods on other namespaces', (h) => {
    h.createPolicy(
      networkPolicy(
        'deny-empty-policy',
        'x',
        {},
        { ingress: [{ from: [{ podSelector: { matchLabels: {} } }] }] },
      ),
    );
    const r = h.reachability();
    r.expectPeer({ namespace: 'y' }, { namespace: 'x' }, false);
    r.expectPeer({ namespace: 'z' }, { namespace: 'x' }, false);
    h.validate(80, 'TCP', r);
  });

  upstreamCase(MAIN, 'should deny ingress access to updated pod', (h) => {
    h.createPolicy(
      networkPolicy(
        'deny-ingress-via-label-selector',
        'x',
        { matchLabels: { target: 'isolated' } },
        { ingress: [] },
      ),
    );
    // Verify that everything can reach x/a
    h.validate(80, 'TCP', h.reachability(), 'before the pod label');

    h.addPodLabels('x/a', { target: 'isolated' });

    const isolated = h.reachability();
    isolated.expectAllIngress('x/a', false);
    h.validate(80, 'TCP', isolated, 'after AddPodLabels(x/a, target=isolated)');
  });

  upstreamCase(MAIN, 'should deny egress from pods based on PodSelector', (h) => {
    h.createPolicy(networkPolicy('deny-egress-pod-a', 'x', { matchLabels: { pod: 'a' } }, { egress: [] }));
    const r = h.reachability();
    r.expectAllEgress('x/a', false);
    h.validate(80, 'TCP', r);
  });

  upstreamCase(MAIN, 'should deny egress from all pods in a namespace', (h) => {
    h.createPolicy(networkPolicy('deny-egress-ns-x', 'x', {}, { egress: [] }));
    const r = h.reachability();
    r.expectPeer({ namespace: 'x' }, {}, false);
    h.validate(80, 'TCP', r);
  });

  upstreamCase(MAIN, 'should work with Ingress, Egress specified together', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-client-a-via-pod-selector',
        'x',
        { pod: 'a' },
        {
          ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }],
          // don't use named ports; protocol defaulted to TCP by the apiserver
          egress: [{ ports: [{ port: 80, protocol: 'TCP' }] }],
          policyTypes: ['Egress', 'Ingress'],
        },
      ),
    );
    const port80 = h.reachability();
    port80.expectAllIngress('x/a', false);
    port80.expect('x/b', 'x/a', true);
    h.validate(80, 'TCP', port80);

    // validating that port 81 doesn't work
    const port81 = h.reachability();
    port81.expectAllIngress('x/a', false);
    port81.expectAllEgress('x/a', false);
    port81.expect('x/b', 'x/a', true);
    h.validate(81, 'TCP', port81);
  });

  upstreamCase(
    MAIN,
    'should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)',
    (h) => {
      // Building egress policy for x/a to y/a only
      h.createPolicy(
        networkPolicyMatchLabels(
          'allow-to-ns-y-pod-a',
          'x',
          { pod: 'a' },
          {
            egress: [
              {
                to: [
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
      // Creating ingress policy to allow from x/a to y/a and y/b
      const ingressRule = {
        from: [
          {
            namespaceSelector: { matchLabels: { [NS_KEY]: 'x' } },
            podSelector: { matchLabels: { pod: 'a' } },
          },
        ],
      };
      h.createPolicy(
        networkPolicyMatchLabels(
          'allow-from-xa-on-ya-match-selector',
          'y',
          { pod: 'a' },
          { ingress: [ingressRule] },
        ),
      );
      h.createPolicy(
        networkPolicyMatchLabels(
          'allow-from-xa-on-yb-match-selector',
          'y',
          { pod: 'b' },
          { ingress: [ingressRule] },
        ),
      );

      const r = h.reachability();
      r.expectPeer({ namespace: 'x', pod: 'a' }, {}, false);
      r.expectPeer({}, { namespace: 'y', pod: 'a' }, false);
      r.expectPeer({ namespace: 'x', pod: 'a' }, { namespace: 'y', pod: 'a' }, true);
      r.expectPeer({}, { namespace: 'y', pod: 'b' }, false);
      h.validate(80, 'TCP', r);
    },
  );
});
