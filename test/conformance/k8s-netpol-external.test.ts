// Kubernetes NetworkPolicy peers that the pod-to-pod e2e matrix cannot show: external addresses and the host.
//
// Expectations from NetworkPolicy semantics (policy-semantics.md §1.5, §3.1 "KNP translation"):
//   - a rule with no peers (`ingress: [{}]`, `egress: [{}]`) admits everything, external addresses included
//   - `namespaceSelector: {}` means every pod of every namespace, never an external address
//   - ipBlock matches external addresses and pod addresses alike; `except` carves both out
//   - "traffic to and from the node where a Pod is running is always allowed" (Kubernetes docs, Network Policies);
//     Cilium implements the ingress half (--allow-localhost, default in Kubernetes mode), which is what is checked
import { describe, it } from 'node:test';
import { cluster, expectVerdict, knp, NODE_IP, pod, WORLD_IP } from './cilium-fixture.js';

describe('NetworkPolicy peers outside the pod model', () => {
  it('ingress: [{}] admits external clients; ingress: [] shuts them out', () => {
    const open = cluster(
      ['default'],
      [
        pod('default', 'server', { app: 'server' }),
        knp('default', 'allow-all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] }),
      ],
    );
    expectVerdict(open, { from: WORLD_IP, to: 'default/server', port: 80, protocol: 'TCP' }, 'allowed', [
      'allow-all',
    ]);
    const closed = cluster(
      ['default'],
      [
        pod('default', 'server', { app: 'server' }),
        knp('default', 'deny-all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [] }),
      ],
    );
    expectVerdict(closed, { from: WORLD_IP, to: 'default/server', port: 80, protocol: 'TCP' }, 'denied', [
      'deny-all',
    ]);
  });

  it('the node a pod runs on still reaches it when the pod is isolated for ingress', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'server', { app: 'server' }),
        knp('default', 'deny-all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [] }),
      ],
    );
    expectVerdict(e, { from: NODE_IP, to: 'default/server', port: 8080, protocol: 'TCP' }, 'allowed');
  });

  it('egress to namespaceSelector {} reaches every pod but no external address', () => {
    const e = cluster(
      ['default', 'other'],
      [
        pod('default', 'client', { app: 'client' }),
        pod('other', 'server', { app: 'server' }),
        knp('default', 'to-all-pods', {
          podSelector: { matchLabels: { app: 'client' } },
          policyTypes: ['Egress'],
          egress: [{ to: [{ namespaceSelector: {} }] }],
        }),
      ],
    );
    expectVerdict(e, { from: 'default/client', to: 'other/server', port: 80, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: 'default/client', to: WORLD_IP, port: 80, protocol: 'TCP' }, 'denied');
  });

  it('egress: [{}] reaches external addresses too', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'client', { app: 'client' }),
        knp('default', 'egress-all', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] }),
      ],
    );
    expectVerdict(e, { from: 'default/client', to: WORLD_IP, port: 443, protocol: 'TCP' }, 'allowed');
  });

  it('ipBlock 0.0.0.0/0 except the pod CIDR: external addresses yes, pods no', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'server', { app: 'server' }),
        pod('default', 'client', { app: 'client' }),
        knp('default', 'external-only', {
          podSelector: { matchLabels: { app: 'server' } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.0.0/16'] } }] }],
        }),
      ],
    );
    expectVerdict(e, { from: WORLD_IP, to: 'default/server', port: 80, protocol: 'TCP' }, 'allowed', [
      'external-only',
    ]);
    expectVerdict(e, { from: 'default/client', to: 'default/server', port: 80, protocol: 'TCP' }, 'denied');
  });

  it('egress ipBlock with port: the address and the port must both match', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'client', { app: 'client' }),
        knp('default', 'to-test-net-3-https', {
          podSelector: { matchLabels: { app: 'client' } },
          policyTypes: ['Egress'],
          egress: [
            { to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 443, protocol: 'TCP' }] },
          ],
        }),
      ],
    );
    expectVerdict(e, { from: 'default/client', to: WORLD_IP, port: 443, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: 'default/client', to: WORLD_IP, port: 80, protocol: 'TCP' }, 'denied');
    expectVerdict(e, { from: 'default/client', to: '198.51.100.7', port: 443, protocol: 'TCP' }, 'denied');
  });
});
