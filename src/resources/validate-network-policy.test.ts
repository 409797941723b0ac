// NetworkPolicy validation and defaulting per the apiserver, including the e2e endPort cases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, assertValid, assertWarning, check, knp } from './issue-assertions.js';
import type { NetworkPolicy } from './types/index.js';

const port = (p: unknown) => knp({ podSelector: {}, ingress: [{ ports: [p] }] });
const peer = (p: unknown) => knp({ podSelector: {}, ingress: [{ from: [p] }] });
const PORT = 'spec.ingress[0].ports[0]';
const PEER = 'spec.ingress[0].from[0]';

describe('NetworkPolicy metadata', () => {
  it('requires a DNS-1123 subdomain name', () => {
    assertValid(check({ ...knp({ podSelector: {} }), metadata: { name: 'allow.web-1' } }));
    assertError(
      check({ ...knp({ podSelector: {} }), metadata: { name: 'Allow_Web' } }),
      'metadata.name',
      'RFC 1123 subdomain',
    );
  });

  it('is namespaced, defaulting to the load namespace', () => {
    const np = assertValid(check(knp({ podSelector: {} }), 'prod'));
    assert.equal(np.metadata.namespace, 'prod');
  });
});

describe('NetworkPolicy ports', () => {
  it('accepts TCP, UDP and SCTP and defaults the protocol to TCP', () => {
    for (const protocol of ['TCP', 'UDP', 'SCTP']) assertValid(check(port({ protocol, port: 53 })));
    const np = assertValid(check(port({ port: 80 }))) as NetworkPolicy;
    assert.equal(np.spec.ingress?.[0]?.ports?.[0]?.protocol, 'TCP');
  });

  it('rejects ICMP and lower-case protocols (case-sensitive enum)', () => {
    assertError(check(port({ protocol: 'ICMP' })), `${PORT}.protocol`, 'unsupported value "ICMP"');
    assertError(check(port({ protocol: 'tcp' })), `${PORT}.protocol`, 'unsupported value "tcp"');
  });

  it('requires numeric ports in 1-65535', () => {
    assertValid(check(port({ port: 1 })));
    assertValid(check(port({ port: 65535 })));
    assertError(check(port({ port: 0 })), `${PORT}.port`, 'between 1 and 65535');
    assertError(check(port({ port: 65536 })), `${PORT}.port`, 'between 1 and 65535');
  });

  it('requires named ports to be IANA service names', () => {
    assertValid(check(port({ port: 'http-alt' })));
    assertError(check(port({ port: 'abcdefghijklmnop' })), `${PORT}.port`, 'no more than 15 characters');
    assertError(check(port({ port: 'HTTP' })), `${PORT}.port`, 'only alpha-numeric characters');
    assertError(check(port({ port: 'ht_p' })), `${PORT}.port`, '"ht_p" is not a valid port name');
    assertError(check(port({ port: '8080' })), `${PORT}.port`, 'at least one letter');
    assertError(check(port({ port: '-http' })), `${PORT}.port`, 'must not begin or end with a hyphen');
    assertError(check(port({ port: 'http-' })), `${PORT}.port`, 'must not begin or end with a hyphen');
    assertError(check(port({ port: 'a--b' })), `${PORT}.port`, 'consecutive hyphens');
  });

  it('accepts a port with only a protocol, or only a port, and empty lists', () => {
    assertValid(check(port({ protocol: 'UDP' })));
    assertValid(check(port({ port: 443 })));
    assertValid(check(knp({ podSelector: {}, ingress: [] })));
    assertValid(check(knp({ podSelector: {}, ingress: [{}] })));
    assertValid(check(knp({ podSelector: {}, ingress: [{ from: [], ports: [] }] })));
  });

  // The e2e "should support creating NetworkPolicy API with endport field" cases.
  it('rejects endPort without port (e2e)', () => {
    assertError(
      check(port({ endPort: 20000 })),
      `${PORT}.endPort`,
      'may not be specified when `port` is not specified',
    );
  });
  it('rejects endPort with a named port (e2e)', () => {
    assertError(
      check(port({ port: 'serve-80', endPort: 20000 })),
      `${PORT}.endPort`,
      'may not be specified when `port` is non-numeric',
    );
  });
  it('rejects endPort below port (e2e)', () => {
    assertError(
      check(port({ port: 30000, endPort: 20000 })),
      `${PORT}.endPort`,
      'must be greater than or equal to `port`',
    );
  });
  it('accepts endPort equal to or above port (e2e)', () => {
    assertValid(check(port({ port: 20000, endPort: 20000 })));
    const np = assertValid(check(port({ port: 10000, endPort: 20000 }))) as NetworkPolicy;
    assert.equal(np.spec.ingress?.[0]?.ports?.[0]?.endPort, 20000);
  });
  it('requires endPort in 1-65535', () => {
    assertError(check(port({ port: 1, endPort: 65536 })), `${PORT}.endPort`, 'between 1 and 65535');
  });
});

describe('NetworkPolicy peers', () => {
  it('requires at least one peer field', () => {
    assertError(check(peer({})), PEER, 'must specify a peer');
  });

  it('accepts podSelector together with namespaceSelector', () => {
    assertValid(check(peer({ podSelector: { matchLabels: { app: 'a' } }, namespaceSelector: {} })));
  });

  it('rejects ipBlock combined with another peer', () => {
    assertValid(check(peer({ ipBlock: { cidr: '10.0.0.0/8' } })));
    assertError(
      check(peer({ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} })),
      PEER,
      'may not specify both ipBlock and another peer',
    );
  });

  it('requires ipBlock.cidr', () => {
    assertError(
      check(peer({ ipBlock: { except: ['10.0.0.0/24'] } })),
      `${PEER}.ipBlock.cidr`,
      'cidr is required',
    );
  });

  it('validates CIDRs strictly', () => {
    assertValid(check(peer({ ipBlock: { cidr: '2001:db8::/32' } })));
    assertError(
      check(peer({ ipBlock: { cidr: '10.1.2.3/8' } })),
      `${PEER}.ipBlock.cidr`,
      'bits set beyond the prefix length',
    );
    assertError(check(peer({ ipBlock: { cidr: '010.0.0.0/8' } })), `${PEER}.ipBlock.cidr`, 'leading 0s');
    assertError(check(peer({ ipBlock: { cidr: '10.0.0.0' } })), `${PEER}.ipBlock.cidr`, 'not a valid CIDR');
    assertError(
      check(peer({ ipBlock: { cidr: '::ffff:10.0.0.0/104' } })),
      `${PEER}.ipBlock.cidr`,
      'IPv4-mapped',
    );
  });

  it('requires each except to be a strict subset of cidr', () => {
    assertValid(check(peer({ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } })));
    const path = `${PEER}.ipBlock.except[0]`;
    assertError(
      check(peer({ ipBlock: { cidr: '10.0.0.0/8', except: ['10.0.0.0/8'] } })),
      path,
      'strict subset',
    );
    assertError(
      check(peer({ ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/16'] } })),
      path,
      'strict subset',
    );
    assertError(
      check(peer({ ipBlock: { cidr: '10.0.0.0/8', except: ['2001:db8::/64'] } })),
      path,
      'strict subset',
    );
    assertError(check(peer({ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.2.3/16'] } })), path, 'bits set');
  });

  it('validates peer selectors', () => {
    assertError(
      check(peer({ podSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] } })),
      `${PEER}.podSelector.matchExpressions[0].values`,
      "must be specified when `operator` is 'In' or 'NotIn'",
    );
  });
});

describe('NetworkPolicy policyTypes', () => {
  it('defaults to Ingress, plus Egress when there are egress rules', () => {
    const a = assertValid(check(knp({ podSelector: {} }))) as NetworkPolicy;
    assert.deepEqual(a.spec.policyTypes, ['Ingress']);
    const b = assertValid(check(knp({ podSelector: {}, egress: [{}] }))) as NetworkPolicy;
    assert.deepEqual(b.spec.policyTypes, ['Ingress', 'Egress']);
    const c = assertValid(check(knp({ podSelector: {}, egress: [] }))) as NetworkPolicy;
    assert.deepEqual(c.spec.policyTypes, ['Ingress']);
  });

  it('keeps explicit policyTypes', () => {
    const np = assertValid(check(knp({ podSelector: {}, policyTypes: ['Egress'] }))) as NetworkPolicy;
    assert.deepEqual(np.spec.policyTypes, ['Egress']);
  });

  it('allows at most two known types', () => {
    assertError(
      check(knp({ podSelector: {}, policyTypes: ['Ingress', 'Egress', 'Ingress'] })),
      'spec.policyTypes',
      'may not specify more than two policyTypes',
    );
    assertError(
      check(knp({ podSelector: {}, policyTypes: ['ingress'] })),
      'spec.policyTypes[0]',
      'unsupported value "ingress"',
    );
  });
});

describe('NetworkPolicy strict fields and types', () => {
  it('rejects unknown fields inside spec at every level', () => {
    assertError(
      check(knp({ podSelector: {}, ingres: [] })),
      'spec',
      'unknown field "ingres" (did you mean "ingress"?)',
    );
    assertError(
      check(knp({ podSelector: {}, ingress: [{ form: [] }] })),
      'spec.ingress[0]',
      'unknown field "form"',
    );
    assertError(check(peer({ podSelector: {}, nsSelector: {} })), PEER, 'unknown field "nsSelector"');
    assertError(check(port({ port: 80, prot: 'TCP' })), PORT, 'unknown field "prot"');
    assertError(
      check(peer({ ipBlock: { cidr: '10.0.0.0/8', excepts: [] } })),
      `${PEER}.ipBlock`,
      'unknown field "excepts"',
    );
    assertError(
      check(knp({ podSelector: { matchLabel: {} } })),
      'spec.podSelector',
      'unknown field "matchLabel"',
    );
  });

  it('reports wrong types at their path instead of throwing', () => {
    assertError(check(knp({ podSelector: {}, ingress: 'all' })), 'spec.ingress', 'must be a list');
    assertError(
      check(knp({ podSelector: {}, ingress: [{ from: { podSelector: {} } }] })),
      'spec.ingress[0].from',
      'must be a list',
    );
    assertError(check(knp({ podSelector: [] })), 'spec.podSelector', 'must be an object');
    assertError(check(port({ port: true })), `${PORT}.port`, 'port number or an IANA port name');
    assertError(check(port({ port: 80.5 })), `${PORT}.port`, 'must be an integer');
  });

  it('warns when podSelector or spec is missing (it selects every pod)', () => {
    assertWarning(check(knp({ ingress: [] })), 'spec.podSelector', 'selects every pod');
    assertWarning(check({ ...knp({}), spec: undefined }), 'spec', 'selects every pod');
  });
});
