// Variants of the upstream netpol cases that are not in the newest upstream list, on the full 9-pod model.
//
// - Historical forms from the k8s ~1.21 copy (openshift/origin vendor/.../netpol/network_policy.go@052329b8):
//   namespace selectors on the model's own `ns` label, and egress policies that also allow UDP/53 (DNS).
//   Their TCP expectation tables are upstream's; the extra UDP/53 probes are derived from the semantics.
// - Dimensions of policy-assistant's generator that the upstream list lacks: endPort ranges, named ports with
//   the wrong protocol or not served, numeric ports not served, ipBlock with except on ingress, named UDP
//   ports on egress. Expectations are derived from NetworkPolicy semantics (policy-semantics.md §1.5, §2).
//
// Cases:
//   1.21 should support a 'default-deny-all' policy (deny-all-tcp-allow-dns)
//   1.21 should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector (label ns)
//   1.21 should enforce policy based on NamespaceSelector with MatchExpressions (label ns)
//   1.21 should enforce policy based on PodSelector and NamespaceSelector (ns NotIn)
//   1.21 should allow egress access on one named port (+ UDP 53)
//   1.21 should work with Ingress, Egress specified together (+ UDP 53)
//   1.21 should allow egress access to server in CIDR block (+ UDP 53 rule)
//   endPort: ingress TCP 53-80 / 53-84, egress UDP 53-80, SCTP 53-80
//   named port with the wrong protocol, named port not served, numeric port not served
//   named UDP port on egress
//   ipBlock with except on ingress
import { describe } from 'node:test';
import { extraCase } from './harness.js';
import { networkPolicy, networkPolicyMatchLabels, podIP } from './model.js';

const DNS = { port: 53, protocol: 'UDP' as const };

describe('Netpol historical (k8s 1.21) variants', () => {
  extraCase("1.21 should support a 'default-deny-all' policy (deny-all-tcp-allow-dns)", (h) => {
    h.createPolicy(
      networkPolicy('deny-all-tcp-allow-dns', 'x', {}, { ingress: [], egress: [{ ports: [DNS] }] }),
    );
    const tcp = h.reachability();
    tcp.expectPeer({}, { namespace: 'x' }, false);
    tcp.expectPeer({ namespace: 'x' }, {}, false);
    h.validate(80, 'TCP', tcp);
    // UDP/53 leaves x, but nothing enters x.
    const dns = h.reachability();
    dns.expectPeer({}, { namespace: 'x' }, false);
    h.validate(53, 'UDP', dns, 'UDP/53 egress from x is open');
  });

  extraCase(
    '1.21 should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector (label ns)',
    (h) => {
      h.createPolicy(
        networkPolicyMatchLabels(
          'allow-client-a-via-ns-selector',
          'x',
          { pod: 'a' },
          { ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }] }] },
        ),
      );
      const r = h.reachability();
      r.expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false);
      r.expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false);
      h.validate(80, 'TCP', r);
    },
  );

  extraCase('1.21 should enforce policy based on NamespaceSelector with MatchExpressions (label ns)', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-ns-y-match-selector',
        'x',
        { pod: 'a' },
        {
          ingress: [
            {
              from: [
                { namespaceSelector: { matchExpressions: [{ key: 'ns', operator: 'In', values: ['y'] }] } },
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

  extraCase('1.21 should enforce policy based on PodSelector and NamespaceSelector (ns NotIn)', (h) => {
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
                  namespaceSelector: { matchExpressions: [{ key: 'ns', operator: 'NotIn', values: ['x'] }] },
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

  extraCase('1.21 should allow egress access on one named port (+ UDP 53)', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-egress',
        'x',
        {},
        { egress: [{ ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }, DNS] }] },
      ),
    );
    h.validate(80, 'TCP', h.reachability());
    const port81 = h.reachability();
    port81.expectPeer({ namespace: 'x' }, {}, false);
    h.validate(81, 'TCP', port81);
    // A named TCP port does not open the same number on UDP.
    const udp80 = h.reachability();
    udp80.expectPeer({ namespace: 'x' }, {}, false);
    h.validate(80, 'UDP', udp80, 'serve-80-tcp does not open 80/UDP');
  });

  extraCase('1.21 should work with Ingress, Egress specified together (+ UDP 53)', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-client-a-via-pod-selector',
        'x',
        { pod: 'a' },
        {
          ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }],
          egress: [{ ports: [{ port: 80, protocol: 'TCP' }, DNS] }],
          policyTypes: ['Egress', 'Ingress'],
        },
      ),
    );
    const port80 = h.reachability();
    port80.expectAllIngress('x/a', false);
    port80.expect('x/b', 'x/a', true);
    h.validate(80, 'TCP', port80);
    const port81 = h.reachability();
    port81.expectAllIngress('x/a', false);
    port81.expectAllEgress('x/a', false);
    port81.expect('x/b', 'x/a', true);
    h.validate(81, 'TCP', port81);
  });

  extraCase('1.21 should allow egress access to server in CIDR block (+ UDP 53 rule)', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-client-a-via-cidr-egress-rule',
        'x',
        { pod: 'a' },
        { egress: [{ to: [{ ipBlock: { cidr: `${podIP('y/b')}/32` } }] }, { ports: [DNS] }] },
      ),
    );
    const r = h.reachability();
    r.expectAllEgress('x/a', false);
    r.expect('x/a', 'y/b', true);
    h.validate(80, 'TCP', r);
    // The second rule has no peers: UDP/53 to anyone.
    h.validate(53, 'UDP', h.reachability(), 'UDP/53 to any peer');
  });
});

describe('Netpol endPort (policy-assistant end-port dimension)', () => {
  extraCase('endPort: ingress TCP 53-80 allows 80 but not 81', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-53-80',
        'x',
        { pod: 'a' },
        { ingress: [{ ports: [{ port: 53, endPort: 80, protocol: 'TCP' }] }] },
      ),
    );
    h.validate(80, 'TCP', h.reachability(), '80 is the last port of the range');
    const isolated = h.reachability();
    isolated.expectAllIngress('x/a', false);
    h.validate(81, 'TCP', isolated, '81 is outside the range');
    h.validate(80, 'UDP', isolated, 'the range is TCP only');
  });

  extraCase('endPort: ingress TCP 53-84 allows 80 and 81', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-53-84',
        'x',
        { pod: 'a' },
        { ingress: [{ ports: [{ port: 53, endPort: 84, protocol: 'TCP' }] }] },
      ),
    );
    h.validate(80, 'TCP', h.reachability());
    h.validate(81, 'TCP', h.reachability());
  });

  extraCase('endPort: egress UDP 53-80 from all of x', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'egress-udp-53-80',
        'x',
        {},
        { egress: [{ ports: [{ port: 53, endPort: 80, protocol: 'UDP' }] }] },
      ),
    );
    h.validate(80, 'UDP', h.reachability(), 'UDP 80 in range');
    const blocked = h.reachability();
    blocked.expectPeer({ namespace: 'x' }, {}, false);
    h.validate(81, 'UDP', blocked, 'UDP 81 out of range');
    h.validate(80, 'TCP', blocked, 'TCP not covered');
  });

  extraCase('endPort: ingress SCTP 53-80', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'allow-sctp-53-80',
        'x',
        { pod: 'a' },
        { ingress: [{ ports: [{ port: 53, endPort: 80, protocol: 'SCTP' }] }] },
      ),
    );
    h.validate(80, 'SCTP', h.reachability());
    const isolated = h.reachability();
    isolated.expectAllIngress('x/a', false);
    h.validate(81, 'SCTP', isolated);
    h.validate(80, 'TCP', isolated);
  });
});

describe('Netpol ports and peers (policy-assistant dimensions)', () => {
  extraCase('named port with the wrong protocol allows nothing ({TCP, serve-81-udp})', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'wrong-protocol',
        'x',
        { pod: 'a' },
        { ingress: [{ ports: [{ port: 'serve-81-udp', protocol: 'TCP' }] }] },
      ),
    );
    const isolated = h.reachability();
    isolated.expectAllIngress('x/a', false);
    h.validate(81, 'TCP', isolated);
    h.validate(81, 'UDP', isolated);
  });

  extraCase('named port not served allows nothing (serve-7981-udp)', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'not-served',
        'x',
        { pod: 'a' },
        { ingress: [{ ports: [{ port: 'serve-7981-udp', protocol: 'UDP' }] }] },
      ),
    );
    const isolated = h.reachability();
    isolated.expectAllIngress('x/a', false);
    h.validate(80, 'UDP', isolated);
    h.validate(81, 'UDP', isolated);
  });

  extraCase('numeric port not served isolates the pod (7981)', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'port-7981',
        'x',
        { pod: 'a' },
        { ingress: [{ ports: [{ port: 7981, protocol: 'TCP' }] }] },
      ),
    );
    const isolated = h.reachability();
    isolated.expectAllIngress('x/a', false);
    h.validate(80, 'TCP', isolated);
    h.validate(81, 'TCP', isolated);
  });

  extraCase('named UDP port on egress resolves on the destination ({UDP, serve-80-udp})', (h) => {
    h.createPolicy(
      networkPolicyMatchLabels(
        'egress-serve-80-udp',
        'x',
        { pod: 'a' },
        { egress: [{ ports: [{ port: 'serve-80-udp', protocol: 'UDP' }] }] },
      ),
    );
    h.validate(80, 'UDP', h.reachability());
    const blocked = h.reachability();
    blocked.expectAllEgress('x/a', false);
    h.validate(81, 'UDP', blocked);
    h.validate(80, 'TCP', blocked);
  });

  extraCase('ipBlock with except on ingress (10.244.0.0/24 except 10.244.0.20/30 = namespace y)', (h) => {
    // The model puts y/a,y/b,y/c at 10.244.0.21-23: exactly the pods inside the /30 except (.20-.23).
    h.createPolicy(
      networkPolicyMatchLabels(
        'ingress-cidr-except',
        'x',
        { pod: 'a' },
        { ingress: [{ from: [{ ipBlock: { cidr: '10.244.0.0/24', except: ['10.244.0.20/30'] } }] }] },
      ),
    );
    const r = h.reachability();
    r.expectPeer({ namespace: 'y' }, { namespace: 'x', pod: 'a' }, false);
    h.validate(80, 'TCP', r);
  });
});
