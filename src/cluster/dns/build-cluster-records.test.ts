import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointSlice, Pod, Service } from '../../resources/types/index.js';
import { buildClusterRecords } from './build-cluster-records.js';
import { type DnsRecord, recordKey } from './dns-record.js';
import { RecordTable } from './record-table.js';

const svc = (name: string, ns: string, spec: Service['spec']): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns },
  spec,
});
const slice = (svcName: string, ns: string, s: Partial<EndpointSlice>): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${svcName}-abc`, namespace: ns, labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4',
  endpoints: [],
  ...s,
});
const pod = (name: string, ns: string, ip: string, phase = 'Running'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns },
  spec: { containers: [] },
  status: { podIP: ip, phase },
});
const keys = (rs: DnsRecord[]) => rs.map(recordKey).sort();

describe('buildClusterRecords', () => {
  it('ClusterIP service: A per cluster IP, PTR, SRV per named port with the service port', () => {
    const rs = buildClusterRecords({
      services: [
        svc('web', 'default', {
          clusterIP: '10.96.0.20',
          ports: [
            { name: 'http', port: 80, targetPort: 8080 },
            { name: 'dns', port: 53, protocol: 'UDP' },
            { port: 9000 },
          ],
        }),
      ],
    });
    assert.deepEqual(
      keys(rs),
      [
        '20.0.96.10.in-addr.arpa PTR web.default.svc.cluster.local',
        '_dns._udp.web.default.svc.cluster.local SRV 0 100 53 web.default.svc.cluster.local',
        '_http._tcp.web.default.svc.cluster.local SRV 0 100 80 web.default.svc.cluster.local',
        'web.default.svc.cluster.local A 10.96.0.20',
      ].sort(),
    );
  });

  it('dual-stack clusterIPs give A and AAAA; a service without an IP yet gives nothing', () => {
    const rs = buildClusterRecords(
      {
        services: [
          svc('ds', 'ns1', { clusterIPs: ['10.96.0.21', 'fd00:96::21'] }),
          svc('pending', 'ns1', { ports: [{ name: 'http', port: 80 }] }),
        ],
      },
      { ptr: false, zone: 'porin.test' },
    );
    assert.deepEqual(keys(rs), [
      'ds.ns1.svc.porin.test A 10.96.0.21',
      'ds.ns1.svc.porin.test AAAA fd00:96::21',
    ]);
  });

  it('headless service: ready endpoints, per-endpoint names (hostname or dashed IP), SRV per endpoint', () => {
    const rs = buildClusterRecords(
      {
        services: [svc('db', 'prod', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] })],
        endpointSlices: [
          slice('db', 'prod', {
            ports: [{ name: 'pg', port: 5433, protocol: 'TCP' }],
            endpoints: [
              { addresses: ['10.244.0.7'], conditions: { ready: true } },
              { addresses: ['10.244.0.8'], conditions: { ready: false } },
              { addresses: ['10.244.0.9'] },
              { addresses: ['10.244.0.10'], hostname: 'db-0' } as EndpointSlice['endpoints'][number],
            ],
          }),
          slice('db', 'other', { endpoints: [{ addresses: ['10.244.9.9'] }] }),
          slice('db', 'prod', { addressType: 'FQDN', endpoints: [{ addresses: ['x.example'] }] }),
        ],
      },
      { ptr: false },
    );
    assert.deepEqual(
      keys(rs),
      [
        'db.prod.svc.cluster.local A 10.244.0.7',
        'db.prod.svc.cluster.local A 10.244.0.9',
        'db.prod.svc.cluster.local A 10.244.0.10',
        '10-244-0-7.db.prod.svc.cluster.local A 10.244.0.7',
        '10-244-0-9.db.prod.svc.cluster.local A 10.244.0.9',
        'db-0.db.prod.svc.cluster.local A 10.244.0.10',
        '_pg._tcp.db.prod.svc.cluster.local SRV 0 33 5433 10-244-0-7.db.prod.svc.cluster.local',
        '_pg._tcp.db.prod.svc.cluster.local SRV 0 33 5433 10-244-0-9.db.prod.svc.cluster.local',
        '_pg._tcp.db.prod.svc.cluster.local SRV 0 33 5433 db-0.db.prod.svc.cluster.local',
      ].sort(),
    );
  });

  it('ExternalName → CNAME; pods → dashed A records unless finished', () => {
    const rs = buildClusterRecords(
      {
        services: [svc('ext', 'default', { type: 'ExternalName', externalName: 'db.example.org' })],
        pods: [
          pod('a', 'default', '10.244.0.5'),
          pod('b', 'prod', '10.244.0.6', 'Succeeded'),
          pod('c', 'prod', 'not-an-ip'),
        ],
      },
      { ptr: false },
    );
    assert.deepEqual(keys(rs), [
      '10-244-0-5.default.pod.cluster.local A 10.244.0.5',
      'ext.default.svc.cluster.local CNAME db.example.org',
    ]);
  });
});

describe('RecordTable', () => {
  it('normalizes, de-duplicates and knows empty non-terminals', () => {
    const t = RecordTable.from([
      { name: 'Web.Default.svc.cluster.local.', type: 'A', address: '10.96.0.20' },
      { name: 'web.default.svc.cluster.local', type: 'A', address: '10.96.0.20' },
      { name: 'x.default.svc.cluster.local', type: 'CNAME', target: 'Y.Example.' },
    ]);
    assert.equal(t.size, 2);
    assert.deepEqual(t.get('web.default.svc.cluster.local'), [
      { name: 'web.default.svc.cluster.local', type: 'A', address: '10.96.0.20' },
    ]);
    assert.deepEqual(t.get('x.default.svc.cluster.local'), [
      { name: 'x.default.svc.cluster.local', type: 'CNAME', target: 'y.example' },
    ]);
    assert.ok(t.exists('default.svc.cluster.local'));
    assert.ok(t.exists('cluster.local'));
    assert.ok(!t.exists('other.svc.cluster.local'));
  });
});
