// Cilium L3 peers: CIDRs, CIDR sets, entities, FQDN selectors, services.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertError,
  assertValid,
  assertWarning,
  check,
  egressRule,
  ingressRule,
} from './issue-assertions.js';
import type { CiliumNetworkPolicy } from './types/index.js';

const R = 'spec.ingress[0]';
const E = 'spec.egress[0]';

describe('Cilium fromCIDR / toCIDR', () => {
  it('accepts IPv4 and IPv6 prefixes', () => {
    assertValid(check(ingressRule({ fromCIDR: ['10.0.0.0/8', '2001:db8::/32'] })));
    assertValid(check(egressRule({ toCIDR: ['0.0.0.0/0'] })));
  });

  it('needs a prefix length', () => {
    assertError(
      check(ingressRule({ fromCIDR: ['10.0.0.1'] })),
      `${R}.fromCIDR[0]`,
      'a prefix length is required',
    );
  });

  it('rejects garbage and out-of-range lengths', () => {
    assertError(check(egressRule({ toCIDR: ['10.0.0.0/33'] })), `${E}.toCIDR[0]`, 'at most 32');
    assertError(check(egressRule({ toCIDR: ['ten/8'] })), `${E}.toCIDR[0]`, 'not a valid CIDR');
    assertError(check(egressRule({ toCIDR: ['010.0.0.0/8'] })), `${E}.toCIDR[0]`, 'leading 0s');
  });

  it('accepts host bits with a warning (Cilium clears them)', () => {
    const r = check(egressRule({ toCIDR: ['10.1.2.3/8'] }));
    assertValid(r);
    assertWarning(r, `${E}.toCIDR[0]`, 'clears them');
  });
});

describe('Cilium CIDRSet', () => {
  it('needs exactly one of cidr, cidrGroupRef, cidrGroupSelector', () => {
    assertValid(check(egressRule({ toCIDRSet: [{ cidr: '10.0.0.0/8' }] })));
    assertValid(check(egressRule({ toCIDRSet: [{ cidrGroupRef: 'office-ranges' }] })));
    assertValid(check(egressRule({ toCIDRSet: [{ cidrGroupSelector: { matchLabels: { team: 'a' } } }] })));
    assertError(
      check(egressRule({ toCIDRSet: [{}] })),
      `${E}.toCIDRSet[0]`,
      'one of cidr, cidrGroupRef, or cidrGroupSelector is required',
    );
    assertError(
      check(egressRule({ toCIDRSet: [{ cidr: '10.0.0.0/8', cidrGroupRef: 'x' }] })),
      `${E}.toCIDRSet[0]`,
      'more than one of cidr, cidrGroupRef, or cidrGroupSelector may not be set',
    );
  });

  it('checks cidrGroupRef as a DNS-1123 subdomain', () => {
    assertError(
      check(egressRule({ toCIDRSet: [{ cidrGroupRef: 'Office_Ranges' }] })),
      `${E}.toCIDRSet[0].cidrGroupRef`,
      'subdomain',
    );
  });

  it('requires except inside cidr, same family, allowing equal', () => {
    assertValid(
      check(egressRule({ toCIDRSet: [{ cidr: '10.0.0.0/8', except: ['10.1.0.0/16', '10.0.0.0/8'] }] })),
    );
    const path = `${E}.toCIDRSet[0].except[0]`;
    assertError(
      check(egressRule({ toCIDRSet: [{ cidr: '10.0.0.0/8', except: ['11.0.0.0/16'] }] })),
      path,
      'allow CIDR prefix 10.0.0.0/8 does not contain exclude CIDR prefix 11.0.0.0/16',
    );
    assertError(
      check(egressRule({ toCIDRSet: [{ cidr: '10.0.0.0/16', except: ['10.0.0.0/8'] }] })),
      path,
      'does not contain',
    );
    assertError(
      check(egressRule({ toCIDRSet: [{ cidr: '10.0.0.0/8', except: ['2001:db8::/64'] }] })),
      path,
      'does not contain',
    );
  });

  it('rejects unknown CIDRSet fields', () => {
    assertError(
      check(egressRule({ toCIDRSet: [{ cidr: '10.0.0.0/8', exclude: [] }] })),
      `${E}.toCIDRSet[0]`,
      'unknown field "exclude"',
    );
  });
});

describe('Cilium entities', () => {
  it('accepts the entity enum', () => {
    assertValid(
      check(
        ingressRule({
          fromEntities: ['world', 'cluster', 'host', 'remote-node', 'kube-apiserver', 'health'],
        }),
      ),
    );
  });
  it('rejects unknown entities', () => {
    assertError(
      check(ingressRule({ fromEntities: ['internet'] })),
      `${R}.fromEntities[0]`,
      'unsupported entity: internet',
    );
  });
});

describe('Cilium toFQDNs', () => {
  it('accepts matchName and matchPattern with * and a leading **.', () => {
    const p = assertValid(
      check(
        egressRule({
          toFQDNs: [
            { matchName: 'api.github.com' },
            { matchPattern: '*.example.com' },
            { matchPattern: '**.cilium.io' },
            { matchPattern: '*' },
          ],
        }),
      ),
    ) as CiliumNetworkPolicy;
    assert.equal(p.spec?.egress?.[0]?.toFQDNs?.length, 4);
  });

  it('needs exactly one of matchName and matchPattern', () => {
    assertError(
      check(egressRule({ toFQDNs: [{ matchName: 'a.com', matchPattern: '*.a.com' }] })),
      `${E}.toFQDNs[0]`,
      'only one of MatchName or MatchPattern is allowed in an FQDNSelector',
    );
    assertError(
      check(egressRule({ toFQDNs: [{}] })),
      `${E}.toFQDNs[0]`,
      'one of matchName or matchPattern is required',
    );
  });

  it('limits matchName to DNS characters', () => {
    assertError(
      check(egressRule({ toFQDNs: [{ matchName: '*.a.com' }] })),
      `${E}.toFQDNs[0].matchName`,
      'not a valid matchName',
    );
    assertError(
      check(egressRule({ toFQDNs: [{ matchName: 'a..com' }] })),
      `${E}.toFQDNs[0].matchName`,
      'not a valid matchName',
    );
    assertError(
      check(egressRule({ toFQDNs: [{ matchName: `${'a'.repeat(256)}` }] })),
      `${E}.toFQDNs[0].matchName`,
      '255',
    );
  });

  it('limits matchPattern to DNS characters and *', () => {
    assertError(
      check(egressRule({ toFQDNs: [{ matchPattern: 'a[0-9].com' }] })),
      `${E}.toFQDNs[0].matchPattern`,
      'not a valid matchPattern',
    );
    assertError(
      check(egressRule({ toFQDNs: [{ matchPattern: 'a.com/x' }] })),
      `${E}.toFQDNs[0].matchPattern`,
      'not a valid matchPattern',
    );
  });
});

describe('Cilium toServices', () => {
  it('accepts k8sService or k8sServiceSelector', () => {
    assertValid(
      check(egressRule({ toServices: [{ k8sService: { serviceName: 'db', namespace: 'prod' } }] })),
    );
    assertValid(
      check(
        egressRule({ toServices: [{ k8sServiceSelector: { selector: { matchLabels: { app: 'db' } } } }] }),
      ),
    );
  });

  it('requires the selector of k8sServiceSelector', () => {
    assertError(
      check(egressRule({ toServices: [{ k8sServiceSelector: { namespace: 'prod' } }] })),
      `${E}.toServices[0].k8sServiceSelector.selector`,
      'selector is required',
    );
  });

  it('requires one service reference and a serviceName', () => {
    assertError(
      check(egressRule({ toServices: [{}] })),
      `${E}.toServices[0]`,
      'one of k8sService or k8sServiceSelector is required',
    );
    assertError(
      check(egressRule({ toServices: [{ k8sService: {} }] })),
      `${E}.toServices[0].k8sService.serviceName`,
      'required',
    );
  });
});
