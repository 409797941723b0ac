// Objects every cluster has: the default and kube-system namespaces, this node, the kube-dns service and its endpoints.
import type { ClusterConfig } from '../config/cluster-config.js';
import { runSync } from '../host/index.js';
import type { Resource } from '../resources/index.js';

/** The host's first global IPv4 address (the node's InternalIP). */
export function hostAddress(): string | undefined {
  const out = runSync(['ip', '-4', '-o', 'addr', 'show', 'scope', 'global'], { allowFail: true });
  for (const line of out.split('\n')) {
    const m = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(line);
    if (m && !line.includes(' porin')) return m[1];
  }
  return undefined;
}

export function clusterDefaults(c: ClusterConfig): Resource[] {
  const ip = hostAddress();
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } },
    },
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } },
    },
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: c.nodeName,
        labels: { 'kubernetes.io/hostname': c.nodeName, 'kubernetes.io/os': 'linux' },
      },
      spec: { podCIDR: c.podCIDR, podCIDRs: [c.podCIDR] },
      ...(ip
        ? {
            status: {
              addresses: [
                { type: 'InternalIP', address: ip },
                { type: 'Hostname', address: c.nodeName },
              ],
            },
          }
        : {}),
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
      spec: {
        type: 'ClusterIP',
        clusterIP: c.dnsServiceIP,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        ],
      },
    },
    // The cluster DNS server is kube-dns's one backend, as CoreDNS pods would be: the load balancer
    // translates the ClusterIP to it like any other service (no special case in the datapath).
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'kube-dns-porin',
        namespace: 'kube-system',
        labels: {
          'kubernetes.io/service-name': 'kube-dns',
          'endpointslice.kubernetes.io/managed-by': 'cluster-dns.porin.io',
        },
      },
      addressType: 'IPv4',
      endpoints: [
        {
          addresses: [c.dnsBackendIP],
          conditions: { ready: true, serving: true, terminating: false },
          nodeName: c.nodeName,
          targetRef: { kind: 'Pod', namespace: 'kube-system', name: 'porin-dns' },
        },
      ],
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      ],
    },
  ];
}
