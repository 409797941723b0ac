// Query parsing: names as asked (escaped like miekg/dns), EDNS0 sizes, and error responses built from the raw question.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { matchDns } from '../../policy/index.js';
import { parseDnsQuery } from './dns-query.js';
import { errorResponse, RCODE, summarizeAnswer } from './dns-response.js';

const raw = (labels: Buffer[], type = 1) => {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(42, 0);
  h.writeUInt16BE(0x0100, 2);
  h.writeUInt16BE(1, 4);
  const name = Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0])]);
  return Buffer.concat([h, name, Buffer.from([0, type, 0, 1])]);
};

describe('DNS query parsing', () => {
  it('keeps case, drops nothing, reads the EDNS0 size', () => {
    const q = dnsPacket.encode({
      type: 'query',
      id: 9,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ name: 'API.GitHub.com', type: 'AAAA', class: 'IN' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as never],
    });
    const p = parseDnsQuery(q);
    assert.ok(p.ok);
    assert.equal(p.query.name, 'API.GitHub.com');
    assert.equal(p.query.qtype, 'AAAA');
    assert.equal(p.query.udpPayloadSize, 1232);
    assert.equal(p.query.recursionDesired, true);
  });

  it('a dot inside a label is escaped, so it can never pass for another name', () => {
    const p = parseDnsQuery(raw([Buffer.from('api.github'), Buffer.from('com')]));
    assert.ok(p.ok);
    assert.equal(p.query.name, 'api\\.github.com');
    assert.equal(matchDns([{ matchName: 'api.github.com' }], p.query.name), -1);
    assert.equal(matchDns([{ matchPattern: '*.com' }], p.query.name), -1);
    assert.equal(matchDns([{ matchPattern: '*' }], p.query.name), 0, 'match-all still matches');
    const bin = parseDnsQuery(raw([Buffer.from([0x61, 0x00, 0xff]), Buffer.from('com')]));
    assert.ok(bin.ok);
    assert.equal(bin.query.name, 'a\\000\\255.com');
  });

  it('error responses echo ID, question and RD, set QR and the rcode, and an OPT when asked with one', () => {
    const q = parseDnsQuery(raw([Buffer.from('x'), Buffer.from('org')]));
    assert.ok(q.ok);
    const r = dnsPacket.decode(errorResponse(q.query, RCODE.REFUSED));
    assert.equal(r.id, 42);
    assert.equal(r.type, 'response');
    assert.equal((r as { rcode?: string }).rcode, 'REFUSED');
    assert.equal(r.flag_rd, true);
    assert.deepEqual(r.questions, [{ name: 'x.org', type: 'A', class: 'IN' }]);
    const e = parseDnsQuery(
      dnsPacket.encode({
        type: 'query',
        id: 1,
        questions: [{ name: 'y.org', type: 'A' }],
        additionals: [{ type: 'OPT', name: '.' } as never],
      }),
    );
    assert.ok(e.ok);
    const nx = dnsPacket.decode(errorResponse(e.query, RCODE.NXDOMAIN));
    assert.equal((nx as { rcode?: string }).rcode, 'NXDOMAIN');
    assert.equal(nx.additionals?.[0]?.type, 'OPT');
  });

  it('answers: a CNAME loop ends, records of other names are ignored', () => {
    const resp = dnsPacket.encode({
      type: 'response',
      id: 1,
      questions: [{ name: 'a.test', type: 'A' }],
      answers: [
        { name: 'a.test', type: 'CNAME', ttl: 9, data: 'b.test' },
        { name: 'b.test', type: 'CNAME', ttl: 8, data: 'a.test' },
        { name: 'evil.test', type: 'A', ttl: 1, data: '203.0.113.66' },
      ],
    });
    const s = summarizeAnswer(resp, 'A.test');
    assert.deepEqual(s?.ips, []);
    assert.deepEqual(s?.cnames, ['b.test', 'a.test']);
    assert.equal(s?.ttl, 0);
    assert.equal(summarizeAnswer(Buffer.from([1, 2, 3]), 'a.test'), undefined);
  });
});
