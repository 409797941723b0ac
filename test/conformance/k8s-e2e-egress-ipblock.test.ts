// Upstream netpol e2e cases 29–42: egress selectors, protocols, multiple policies, delete, ipBlock, SCTP/UDP isolation.
//
// Ported from kubernetes/kubernetes test/e2e/network/netpol/network_policy.go (Netpol / "NetworkPolicy
// between server and client"), same policies, steps, probes and expectation tables:
//   29 should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector
//   30 should enforce ingress policy allowing any port traffic to a server on a specific protocol
//   31 should enforce multiple ingress policies with ingress allow-all policy taking precedence
//   32 should enforce multiple egress policies with egress allow-all policy taking precedence
//   33 should stop enforcing policies after they are deleted
//   34 should allow egress access to server in CIDR block
//   35 should enforce except clause while egress access to server in CIDR block
//   36 should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed
//   37 should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector
//   38 should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP
//   39 should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP
//   40 should not allow access by TCP when a policy specifies only UDP
//   41 should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label
//   42 should enforce policy based on NamespaceSelector with MatchExpressions using default ns label
//
// The ipBlock cases (34–36) select pod IPs: upstream semantics, which Porin keeps for NetworkPolicy (Cilium's
// CI skips them). The CIDR of 35/36 is the newest version's `makeLargeCIDRForIP(podB)`: the /4 holding x/b,
// written canonically (0.0.0.0/4); older versions wrote `<podA IP>/4`, which strict CIDR validation rejects.
import { describe } from 'node:test';
import { upstreamCase } from './harness.js';
import { networkPolicy, networkPolicyMatchLabels, podIP } from './model.js';

const NS_KEY = 'kubernetes.io/metadata.name';
const MAIN = 'NetworkPolicy between server and client';

/** makeLargeCIDRForIP: the /4 that contains the IP, network address written out. */
function makeLargeCIDRForIP(ip: string): string {
  const first = Number(ip.split('.')[0]);
  return `${first & 0xf0}.0.0.0/4`;
}

describe(`Netpol ${MAIN} (29–42)`, () => {
  upstreamCase(
    MAIN,
    'should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector',
    (h) => {
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
      const r = h.reachability();
      r.expectAllEgress('x/a', false);
      r.expect('x/a', 'y/a', true);
      h.validate(80, 'TCP', r);
    },
  );

  upstreamCase(
    MAIN,
    'should enforce ingress policy allowing any port traffic to a server on a specific protocol',
    (h) => {
      h.createPolicy(
        networkPolicyMatchLabels(
          'allow-ingress-by-proto',
          'x',
          { pod: 'a' },
          { ingress: [{ ports: [{ protocol: 'TCP' }] }] },
        ),
      );
      h.validate(80, 'TCP', h.reachability(), 'TCP is allowed on any port');
      const udp = h.reachability();
      udp.expectPeer({}, { namespace: 'x', pod: 'a' }, false);
      h.validate(80, 'UDP', udp, 'UDP stays isolated');
    },
  );

  upstreamCase(
    MAIN,
    'should enforce multiple ingress policies with ingress allow-all policy taking precedence',
    (h) => {
      h.createPolicy(
        networkPolicyMatchLabels(
          'allow-ingress-port-80',
          'x',
          {},
          { ingress: [{ ports: [{ port: 80, protocol: 'TCP' }] }] },
        ),
      );
      // The policy targets port 80 -- so let's make sure traffic on port 81 is blocked
      const r = h.reachability();
      r.expectPeer({}, { namespace: 'x' }, false);
      h.validate(81, 'TCP', r, 'only port 80 allowed');

      // Allowing all ports
      h.createPolicy(networkPolicyMatchLabels('allow-ingress', 'x', {}, { ingress: [{}] }));
      h.validate(81, 'TCP', h.reachability(), 'after adding allow-ingress');
    },
  );

  upstreamCase(
    MAIN,
    'should enforce multiple egress policies with egress allow-all policy taking precedence',
    (h) => {
      h.createPolicy(
        networkPolicyMatchLabels(
          'allow-egress-port-80',
          'x',
          {},
          { egress: [{ ports: [{ port: 80, protocol: 'TCP' }] }] },
        ),
      );
      // Making sure ingress doesn't work other than port 80
      const r = h.reachability();
      r.expectPeer({ namespace: 'x' }, {}, false);
      h.validate(81, 'TCP', r, 'only port 80 allowed');

      // Allowing all ports
      h.createPolicy(networkPolicyMatchLabels('allow-egress', 'x', {}, { egress: [{}] }));
      h.validate(81, 'TCP', h.reachability(), 'after adding allow-egress');
    },
  );

  upstreamCase(MAIN, 'should stop enforcing policies after they are deleted', (h) => {
    // Deny all traffic into and out of "x".
    h.createPolicy(networkPolicy('deny-all', 'x', {}, { ingress: [], egress: [] }));
    const r = h.reachability();
    r.expectPeer({ namespace: 'x' }, {}, false);
    r.expectPeer({}, { namespace: 'x' }, false);
    h.validate(80, 'TCP', r, 'deny-all present');

    h.cleanNetworkPolicies();
    // Now the policy is deleted, we expect all connectivity to work again.
    h.validate(80, 'TCP', h.reachability(), 'after deleting every policy');
  });

  upstreamCase(MAIN, 'should allow egress access to server in CIDR block', (h) => {
    const podServerCIDR = `${podIP('y/b')}/32`;
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-client-a-via-cidr-egress-rule',
        'x',
        { pod: 'a' },
        { egress: [{ to: [{ ipBlock: { cidr: podServerCIDR } }] }] },
      ),
    );
    const r = h.reachability();
    r.expectAllEgress('x/a', false);
    r.expect('x/a', 'y/b', true);
    h.validate(80, 'TCP', r);
  });

  upstreamCase(MAIN, 'should enforce except clause while egress access to server in CIDR block', (h) => {
    // Create a rule that allows egress to a large set of IPs around podB, but not podB itself.
    const podB = podIP('x/b');
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-client-a-via-cidr-egress-rule',
        'x',
        { pod: 'a' },
        { egress: [{ to: [{ ipBlock: { cidr: makeLargeCIDRForIP(podB), except: [`${podB}/32`] } }] }] },
      ),
    );
    const r = h.reachability();
    r.expect('x/a', 'x/b', false);
    h.validate(80, 'TCP', r);
  });

  upstreamCase(
    MAIN,
    'should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed',
    (h) => {
      const podB = podIP('x/b');
      h.createPolicy(
        networkPolicyMatchLabels(
          'allow-client-a-via-cidr-egress-rule',
          'x',
          { pod: 'a' },
          { egress: [{ to: [{ ipBlock: { cidr: makeLargeCIDRForIP(podB), except: [`${podB}/32`] } }] }] },
        ),
      );
      const r = h.reachability();
      r.expect('x/a', 'x/b', false);
      h.validate(80, 'TCP', r, 'CIDR minus x/b');

      // Create a second NetworkPolicy which allows access to podB (same name: replaces the first)
      h.updatePolicy(
        networkPolicyMatchLabels(
          'allow-client-a-via-cidr-egress-rule',
          'x',
          { pod: 'a' },
          { egress: [{ to: [{ ipBlock: { cidr: `${podB}/32` } }] }] },
        ),
      );
      const allow = h.reachability();
      allow.expectAllEgress('x/a', false);
      allow.expect('x/a', 'x/b', true);
      h.validate(80, 'TCP', allow, 'updated to x/b/32 only');
    },
  );

  upstreamCase(
    MAIN,
    'should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector',
    (h) => {
      const targetLabels = { pod: 'a' };
      // Creating a network policy for pod-a which allows Egress traffic to pod-b.
      h.createPolicy(
        networkPolicy('allow-egress-for-target', 'x', { matchLabels: targetLabels }, { egress: [{}] }),
      );
      h.validate(80, 'TCP', h.reachability(), 'egress allow-all for x/a');

      // Creating a network policy for pod-a that denies traffic from pod-b.
      h.createPolicy(
        networkPolicy('deny-ingress-via-label-selector', 'x', { matchLabels: targetLabels }, { ingress: [] }),
      );
      const deny = h.reachability();
      deny.expectAllIngress('x/a', false);
      h.validate(80, 'TCP', deny, 'plus ingress deny for x/a');
    },
  );

  upstreamCase(
    MAIN,
    "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP",
    (h) => {
      // Creating a default-deny ingress policy. Empty podSelector blocks the entire namespace
      h.createPolicy(networkPolicy('deny-ingress', 'x', {}, { ingress: [] }));
      // Creating a network policy for the server which allows traffic only via SCTP on port 81.
      h.createPolicy(
        networkPolicyMatchLabels(
          'allow-only-sctp-ingress-on-port-81',
          'x',
          { pod: 'a' },
          { ingress: [{ ports: [{ port: 81, protocol: 'SCTP' }] }] },
        ),
      );
      // Trying to connect to TCP port 81, which should be blocked by the deny-ingress policy.
      const r = h.reachability();
      r.expectPeer({}, { namespace: 'x' }, false);
      h.validate(81, 'TCP', r);
    },
  );

  upstreamCase(
    MAIN,
    "should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP",
    (h) => {
      // Creating a network policy for the server which allows traffic only via SCTP on port 80.
      h.createPolicy(
        networkPolicyMatchLabels(
          'allow-only-sctp-ingress-on-port-80',
          'x',
          { pod: 'a' },
          { ingress: [{ ports: [{ port: 80, protocol: 'SCTP' }] }] },
        ),
      );
      // Trying to connect to TCP port 81, which should be blocked by implicit isolation.
      const r = h.reachability();
      r.expectAllIngress('x/a', false);
      h.validate(81, 'TCP', r);
    },
  );

  upstreamCase(MAIN, 'should not allow access by TCP when a policy specifies only UDP', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-only-udp-ingress-on-port-81',
        'x',
        { pod: 'a' },
        { ingress: [{ ports: [{ port: 81, protocol: 'UDP' }] }] },
      ),
    );
    // Probing with TCP, so all traffic should be dropped.
    const r = h.reachability();
    r.expectAllIngress('x/a', false);
    h.validate(81, 'TCP', r);
  });

  upstreamCase(
    MAIN,
    'should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label',
    (h) => {
      h.createPolicy(
        networkPolicyMatchLabels(
          'allow-client-a-via-ns-selector-for-immutable-ns-label',
          'x',
          { pod: 'a' },
          { ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NS_KEY]: 'y' } } }] }] },
        ),
      );
      const r = h.reachability();
      r.expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false);
      r.expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false);
      h.validate(80, 'TCP', r);
    },
  );

  upstreamCase(
    MAIN,
    'should enforce policy based on NamespaceSelector with MatchExpressions using default ns label',
    (h) => {
      h.createPolicy(
        networkPolicyMatchLabels(
          'allow-ns-y-match-selector-for-immutable-ns-label',
          'x',
          { pod: 'a' },
          {
            egress: [
              {
                to: [
                  {
                    namespaceSelector: {
                      matchExpressions: [{ key: NS_KEY, operator: 'NotIn', values: ['y'] }],
                    },
                  },
                ],
              },
            ],
          },
        ),
      );
      const r = h.reachability();
      r.expectPeer({ namespace: 'x', pod: 'a' }, { namespace: 'y' }, false);
      h.validate(80, 'TCP', r);
    },
  );
});
