import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Question } from 'dns-packet';
import { type AuthorityOptions, answerQuestion } from './answer-question.js';
import { RecordTable } from './record-table.js';

const opts: AuthorityOptions = {
  zone: 'cluster.local',
  ttl: 5,
  serial: 42,
  pods: 'verified',
  nameserverAddresses: ['10.96.0.10'],
};
const table = RecordTable.from([
  { name: 'web.default.svc.cluster.local', type: 'A', address: '10.96.0.20' },
  {
    name: '_http._tcp.web.default.svc.cluster.local',
    type: 'SRV',
    priority: 0,
    weight: 100,
    port: 80,
    target: 'web.default.svc.cluster.local',
  },
  { name: 'alias.default.svc.cluster.local', type: 'CNAME', target: 'web.default.svc.cluster.local' },
  { name: 'ext.default.svc.cluster.local', type: 'CNAME', target: 'db.example.org' },
  { name: 'loop.default.svc.cluster.local', type: 'CNAME', target: 'loop.default.svc.cluster.local' },
  { name: '10-244-0-5.default.pod.cluster.local', type: 'A', address: '10.244.0.5' },
  { name: '20.0.96.10.in-addr.arpa', type: 'PTR', target: 'web.default.svc.cluster.local' },
]);
const ask = (name: string, type: string, o: AuthorityOptions = opts) =>
  answerQuestion({ name, type, class: 'IN' } as Question, table, o);
const summary = (r: ReturnType<typeof answerQuestion>) => {
  if (r.kind === 'forward') throw new Error('forwarded');
  return {
    rcode: r.rcode,
    answers: r.answers.map((a) => `${a.name} ${a.type} ${JSON.stringify('data' in a ? a.data : '')}`),
    authorities: r.authorities.map((a) => `${a.name} ${a.type}`),
    additionals: r.additionals.map((a) => `${a.name} ${a.type}`),
    ...(r.chase && { chase: r.chase }),
  };
};

describe('answerQuestion', () => {
  it('answers records, keeping the question spelling as owner name', () => {
    assert.deepEqual(summary(ask('WEB.default.svc.cluster.local', 'A')), {
      rcode: 'NOERROR',
      answers: ['WEB.default.svc.cluster.local A "10.96.0.20"'],
      authorities: [],
      additionals: [],
    });
  });

  it('SRV answers carry the targets’ addresses as additionals', () => {
    const r = summary(ask('_http._tcp.web.default.svc.cluster.local', 'SRV'));
    assert.deepEqual(r, {
      rcode: 'NOERROR',
      answers: [
        '_http._tcp.web.default.svc.cluster.local SRV {"priority":0,"weight":100,"port":80,"target":"web.default.svc.cluster.local"}',
      ],
      authorities: [],
      additionals: ['web.default.svc.cluster.local A'],
    });
  });

  it('NXDOMAIN with the SOA for unknown names; NODATA with the SOA for other types and empty non-terminals', () => {
    assert.deepEqual(summary(ask('nope.default.svc.cluster.local', 'A')), {
      rcode: 'NXDOMAIN',
      answers: [],
      authorities: ['cluster.local SOA'],
      additionals: [],
    });
    for (const [name, type] of [
      ['web.default.svc.cluster.local', 'AAAA'],
      ['default.svc.cluster.local', 'A'],
      ['svc.cluster.local', 'A'],
      ['web.default.svc.cluster.local', 'UNKNOWN_65'],
    ] as const) {
      assert.deepEqual(
        summary(ask(name, type)),
        { rcode: 'NOERROR', answers: [], authorities: ['cluster.local SOA'], additionals: [] },
        `${name} ${type}`,
      );
    }
  });

  it('answers the apex SOA and NS, and the name server address', () => {
    const soa = ask('cluster.local', 'SOA');
    assert.ok(soa.kind === 'answer');
    assert.deepEqual(soa.answers[0], {
      name: 'cluster.local',
      type: 'SOA',
      class: 'IN',
      ttl: 5,
      data: {
        mname: 'ns.dns.cluster.local',
        rname: 'hostmaster.cluster.local',
        serial: 42,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: 5,
      },
    });
    assert.deepEqual(summary(ask('cluster.local', 'NS')), {
      rcode: 'NOERROR',
      answers: ['cluster.local NS "ns.dns.cluster.local"'],
      authorities: [],
      additionals: ['ns.dns.cluster.local A'],
    });
    assert.equal(summary(ask('dns.cluster.local', 'A')).rcode, 'NOERROR', 'an ancestor of ns.dns exists');
  });

  it('follows CNAMEs inside the zone, hands the rest of the chain upstream, and stops loops', () => {
    assert.deepEqual(summary(ask('alias.default.svc.cluster.local', 'A')).answers, [
      'alias.default.svc.cluster.local CNAME "web.default.svc.cluster.local"',
      'web.default.svc.cluster.local A "10.96.0.20"',
    ]);
    assert.deepEqual(summary(ask('ext.default.svc.cluster.local', 'A')), {
      rcode: 'NOERROR',
      answers: ['ext.default.svc.cluster.local CNAME "db.example.org"'],
      authorities: [],
      additionals: [],
      chase: { name: 'db.example.org', type: 'A' },
    });
    assert.equal(summary(ask('ext.default.svc.cluster.local', 'CNAME')).answers.length, 1);
    assert.equal(summary(ask('loop.default.svc.cluster.local', 'A')).rcode, 'SERVFAIL');
  });

  it('pods: verified answers only known pods; insecure answers any well-formed name', () => {
    assert.equal(summary(ask('10-244-0-5.default.pod.cluster.local', 'A')).rcode, 'NOERROR');
    assert.equal(summary(ask('10-244-0-6.default.pod.cluster.local', 'A')).rcode, 'NXDOMAIN');
    const insecure = { ...opts, pods: 'insecure' as const };
    assert.deepEqual(summary(ask('10-244-0-6.any.pod.cluster.local', 'A', insecure)).answers, [
      '10-244-0-6.any.pod.cluster.local A "10.244.0.6"',
    ]);
    assert.equal(summary(ask('10-244-0-256.any.pod.cluster.local', 'A', insecure)).rcode, 'NXDOMAIN');
  });

  it('forwards names outside the zone unless it owns them (PTR)', () => {
    assert.deepEqual(ask('www.example.org', 'A'), { kind: 'forward' });
    assert.deepEqual(ask('21.0.96.10.in-addr.arpa', 'PTR'), { kind: 'forward' });
    assert.deepEqual(ask('20.0.96.10.in-addr.arpa', 'A'), { kind: 'forward' });
    assert.deepEqual(summary(ask('20.0.96.10.in-addr.arpa', 'PTR')).answers, [
      '20.0.96.10.in-addr.arpa PTR "web.default.svc.cluster.local"',
    ]);
  });

  it('ANY returns every record of the name; a non-IN class is refused', () => {
    assert.deepEqual(summary(ask('web.default.svc.cluster.local', 'ANY')).answers, [
      'web.default.svc.cluster.local A "10.96.0.20"',
    ]);
    const r = answerQuestion({ name: 'web.default.svc.cluster.local', type: 'A', class: 'CH' }, table, opts);
    assert.equal(r.kind === 'answer' && r.rcode, 'REFUSED');
  });
});
