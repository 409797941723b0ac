import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  dashedIp,
  ipFromDashed,
  parseClusterName,
  podDomain,
  reverseName,
  serviceDomain,
  srvDomain,
} from './cluster-name.js';
import { ancestors, isInZone, isValidZone, labelsBefore, normalizeName } from './dns-name.js';

const Z = 'cluster.local';

describe('cluster names', () => {
  it('builds the names of the Kubernetes DNS specification', () => {
    assert.equal(serviceDomain('web', 'default', Z), 'web.default.svc.cluster.local');
    assert.equal(srvDomain('HTTP', 'TCP', 'web', 'default', Z), '_http._tcp.web.default.svc.cluster.local');
    assert.equal(podDomain('10.244.0.5', 'prod', Z), '10-244-0-5.prod.pod.cluster.local');
    assert.equal(podDomain('2001:db8:0::1', 'prod', Z), '2001-db8--1.prod.pod.cluster.local');
  });

  it('converts addresses to and from one label', () => {
    assert.equal(dashedIp('10.244.0.5'), '10-244-0-5');
    assert.equal(ipFromDashed('10-244-0-5'), '10.244.0.5');
    assert.equal(ipFromDashed('2001-db8--1'), '2001:db8::1');
    for (const bad of ['10-244-0', '10-244-0-256', 'web', '1-2-3-4-5', '', 'zz-1'])
      assert.equal(ipFromDashed(bad), undefined, bad);
  });

  it('writes reverse names', () => {
    assert.equal(reverseName('10.96.0.10'), '10.0.96.10.in-addr.arpa');
    assert.equal(reverseName('2001:db8::1'), `1.${'0.'.repeat(23)}8.b.d.0.1.0.0.2.ip6.arpa`);
    assert.equal(reverseName('10.1'), undefined, 'no shorthand IPv4');
  });

  it('parses names by shape', () => {
    assert.deepEqual(parseClusterName('cluster.local', Z), { kind: 'apex' });
    assert.deepEqual(parseClusterName('web.default.svc.cluster.local', Z), {
      kind: 'service',
      service: 'web',
      namespace: 'default',
    });
    assert.deepEqual(parseClusterName('default.svc.cluster.local', Z), {
      kind: 'namespace',
      namespace: 'default',
    });
    assert.deepEqual(parseClusterName('web-0.web.default.svc.cluster.local', Z), {
      kind: 'endpoint',
      endpoint: 'web-0',
      service: 'web',
      namespace: 'default',
    });
    assert.deepEqual(parseClusterName('_http._tcp.web.default.svc.cluster.local', Z), {
      kind: 'srv',
      port: 'http',
      protocol: 'tcp',
      service: 'web',
      namespace: 'default',
    });
    assert.deepEqual(parseClusterName('10-244-0-5.prod.pod.cluster.local', Z), {
      kind: 'pod',
      ip: '10.244.0.5',
      namespace: 'prod',
    });
    assert.deepEqual(parseClusterName('web.prod.pod.cluster.local', Z), { kind: 'other' });
    assert.deepEqual(parseClusterName('svc.cluster.local', Z), { kind: 'other' });
    assert.deepEqual(parseClusterName('a.b.c.d.e.svc.cluster.local', Z), { kind: 'other' });
    assert.equal(parseClusterName('example.com', Z), undefined);
    assert.equal(parseClusterName('notcluster.local', Z), undefined, 'a suffix is not a subdomain');
  });

  it('normalizes names and checks zone membership', () => {
    assert.equal(normalizeName('Web.Default.SVC.Cluster.Local.'), 'web.default.svc.cluster.local');
    assert.ok(isInZone('cluster.local', Z));
    assert.ok(isInZone('a.cluster.local', Z));
    assert.ok(!isInZone('acluster.local', Z));
    assert.deepEqual(labelsBefore('a.b.cluster.local', Z), ['a', 'b']);
    assert.deepEqual(ancestors('a.b.c'), ['b.c', 'c']);
    assert.ok(isValidZone('cluster.local'));
    assert.ok(isValidZone('porin.test'));
    for (const bad of ['', 'a..b', '-a.b', 'x'.repeat(64)]) assert.ok(!isValidZone(bad), bad);
  });
});
