import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolvConf } from './resolv-conf.js';

describe('resolvConf', () => {
  it('writes what kubelet writes for dnsPolicy ClusterFirst', () => {
    assert.equal(
      resolvConf({ namespace: 'default', nameserver: '10.96.0.10' }),
      'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
    );
  });

  it('takes a zone, extra search domains (de-duplicated), several servers and options', () => {
    assert.equal(
      resolvConf({
        namespace: 'prod',
        nameserver: ['10.96.0.10', '10.96.0.11', '10.96.0.12', '10.96.0.13'],
        zone: 'porin.test.',
        extraSearches: ['corp.example', 'porin.test'],
        options: ['ndots:5', 'timeout:1'],
      }),
      'search prod.svc.porin.test svc.porin.test porin.test corp.example\n' +
        'nameserver 10.96.0.10\nnameserver 10.96.0.11\nnameserver 10.96.0.12\noptions ndots:5 timeout:1\n',
    );
  });

  it('keeps kubelet limits on the search line', () => {
    const many = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
    const line = resolvConf({ namespace: 'a', nameserver: '10.96.0.10', extraSearches: many }).split(
      '\n',
    )[0]!;
    assert.equal(line.split(' ').length - 1, 32);
  });
});
