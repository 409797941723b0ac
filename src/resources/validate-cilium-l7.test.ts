// Cilium L7 rules: HTTP regexes, TCP-only, DNS ports and direction, Kafka, generic l7proto.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, assertValid, check, cnp, portRule } from './issue-assertions.js';
import type { CiliumNetworkPolicy } from './types/index.js';

const P = 'spec.ingress[0].toPorts[0]';
const E = 'spec.egress[0].toPorts[0]';
const tcp80 = [{ port: '80', protocol: 'TCP' }];
const http = (rule: unknown) => portRule({ ports: tcp80, rules: { http: [rule] } });
const dns = (ports: unknown[], direction: 'ingress' | 'egress' = 'egress') =>
  portRule({ ports, rules: { dns: [{ matchPattern: '*' }] } }, direction);

describe('Cilium HTTP rules', () => {
  it('accepts method, path, host and headers that compile with RE2', () => {
    const p = assertValid(
      check(http({ method: 'GET|POST', path: '/v1/.*', host: '.*\\.example\\.com', headers: ['X-Ok: 1'] })),
    );
    assert.equal(
      (p as CiliumNetworkPolicy).spec?.ingress?.[0]?.toPorts?.[0]?.rules?.http?.[0]?.method,
      'GET|POST',
    );
  });

  it('names the field whose regex does not compile', () => {
    assertError(
      check(http({ method: '*' })),
      `${P}.rules.http[0].method`,
      'method "*" is not a valid RE2 regular expression',
    );
    assertError(check(http({ path: '/v1/(' })), `${P}.rules.http[0].path`, 'path "/v1/(" is not a valid RE2');
    assertError(check(http({ host: '(?=x)' })), `${P}.rules.http[0].host`, 'host "(?=x)" is not a valid RE2');
  });

  it('checks headerMatches', () => {
    assertValid(check(http({ headerMatches: [{ name: 'X-Token', value: 'a', mismatch: 'LOG' }] })));
    assertError(
      check(http({ headerMatches: [{ value: 'a' }] })),
      `${P}.rules.http[0].headerMatches[0].name`,
      'name is required',
    );
    assertError(
      check(http({ headerMatches: [{ name: 'X', mismatch: 'DROP' }] })),
      `${P}.rules.http[0].headerMatches[0].mismatch`,
      'unsupported value "DROP"',
    );
    assertError(
      check(http({ headerMatches: [{ name: 'X', secret: { namespace: 'a' } }] })),
      `${P}.rules.http[0].headerMatches[0].secret.name`,
      'required',
    );
  });

  it('rejects unknown HTTP fields', () => {
    assertError(
      check(http({ methods: 'GET' })),
      `${P}.rules.http[0]`,
      'unknown field "methods" (did you mean "method"?)',
    );
  });
});

describe('Cilium L7 protocol restrictions', () => {
  it('needs TCP for L7 rules other than DNS; an omitted protocol is ANY', () => {
    assertError(
      check(portRule({ ports: [{ port: '80' }], rules: { http: [{}] } })),
      `${P}.ports[0].protocol`,
      'L7 rules can only apply to TCP (not ANY) except for DNS rules',
    );
    assertError(
      check(portRule({ ports: [{ port: '80' }], rules: { http: [{}] } })),
      `${P}.ports[0].protocol`,
      'add `protocol: TCP`',
    );
    assertError(
      check(portRule({ ports: [{ port: '80', protocol: 'UDP' }], rules: { http: [{}] } })),
      `${P}.ports[0].protocol`,
      'not UDP',
    );
  });

  it('lets DNS rules use UDP or ANY', () => {
    assertValid(check(dns([{ port: '53', protocol: 'UDP' }])));
    assertValid(check(dns([{ port: '53' }])));
  });

  it('needs explicit ports for DNS rules, without ranges', () => {
    assertError(check(dns([])), `${E}.ports`, 'port 53 must be specified for DNS rules');
    assertError(
      check(dns([{ port: '53', endPort: 60 }])),
      `${E}.ports[0].endPort`,
      'DNS rules do not support port ranges',
    );
  });

  it('does not allow DNS rules on ingress', () => {
    assertError(
      check(dns([{ port: '53', protocol: 'UDP' }], 'ingress')),
      `${P}.rules.dns`,
      'DNS rules are not allowed on ingress',
    );
  });

  it('allows one L7 type per port rule', () => {
    assertError(
      check(portRule({ ports: tcp80, rules: { http: [{}], kafka: [{ topic: 'a' }] } })),
      `${P}.rules`,
      'multiple L7 protocol rule types specified in single rule',
    );
  });

  it('does not allow L7 rules on port 0', () => {
    assertError(
      check(portRule({ ports: [{ port: '0', protocol: 'TCP' }], rules: { http: [{}] } })),
      `${P}.ports`,
      'L7 rules can not be used when a port is 0',
    );
  });

  it('limits L7 on host policies', () => {
    const host = (dir: 'ingress' | 'egress', rules: unknown) =>
      cnp(
        {
          nodeSelector: {},
          [dir]: [
            {
              [dir === 'ingress' ? 'fromEntities' : 'toEntities']: ['world'],
              toPorts: [{ ports: tcp80, rules }],
            },
          ],
        },
        'CiliumClusterwideNetworkPolicy',
      );
    assertError(
      check(host('ingress', { http: [{}] })),
      `${P}.rules`,
      'L7 policy is not supported on host ingress yet',
    );
    assertError(
      check(host('egress', { http: [{}] })),
      `${E}.rules`,
      'L7 protocol HTTP is not supported on host egress yet',
    );
    assertValid(check(host('egress', { dns: [{ matchName: 'a.com' }] })));
  });
});

describe('Cilium DNS, Kafka and generic L7 rules', () => {
  it('checks DNS rule selectors', () => {
    assertError(
      check(
        portRule(
          { ports: [{ port: '53' }], rules: { dns: [{ matchName: 'a.com', matchPattern: '*' }] } },
          'egress',
        ),
      ),
      `${E}.rules.dns[0]`,
      'only one of MatchName or MatchPattern is allowed in a DNS rule',
    );
  });

  it('checks Kafka rules', () => {
    assertValid(check(portRule({ ports: tcp80, rules: { kafka: [{ role: 'produce', topic: 'orders' }] } })));
    assertValid(check(portRule({ ports: tcp80, rules: { kafka: [{ apiKey: 'Fetch', apiVersion: '3' }] } })));
    const K = `${P}.rules.kafka[0]`;
    assertError(
      check(portRule({ ports: tcp80, rules: { kafka: [{ role: 'admin' }] } })),
      `${K}.role`,
      'invalid Kafka role',
    );
    assertError(
      check(portRule({ ports: tcp80, rules: { kafka: [{ apiKey: 'nope' }] } })),
      `${K}.apiKey`,
      'invalid Kafka apiKey',
    );
    assertError(
      check(portRule({ ports: tcp80, rules: { kafka: [{ role: 'produce', apiKey: 'fetch' }] } })),
      K,
      'cannot set both',
    );
    assertError(
      check(portRule({ ports: tcp80, rules: { kafka: [{ topic: 'a b' }] } })),
      `${K}.topic`,
      'invalid Kafka topic',
    );
    assertError(
      check(portRule({ ports: tcp80, rules: { kafka: [{ apiVersion: 'v1' }] } })),
      `${K}.apiVersion`,
      'invalid Kafka apiVersion',
    );
  });

  it('needs l7proto for generic l7 rules', () => {
    assertValid(check(portRule({ ports: tcp80, rules: { l7proto: 'r2d2', l7: [{ cmd: 'READ' }] } })));
    assertError(
      check(portRule({ ports: tcp80, rules: { l7: [{ cmd: 'READ' }] } })),
      `${P}.rules.l7`,
      "'l7' may only be specified when a 'l7proto'",
    );
  });
});
