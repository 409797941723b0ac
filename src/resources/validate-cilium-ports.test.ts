// Cilium toPorts, protocols, icmps, deny port rules, serverNames and listeners.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertError,
  assertValid,
  assertWarning,
  check,
  egressRule,
  ingressRule,
  portRule,
} from './issue-assertions.js';
import type { CiliumNetworkPolicy } from './types/index.js';

const P = 'spec.ingress[0].toPorts[0]';
const ports = (...list: unknown[]) => portRule({ ports: list });
const firstPort = (p: unknown) => (p as CiliumNetworkPolicy).spec?.ingress?.[0]?.toPorts?.[0]?.ports?.[0];

describe('Cilium port numbers and names', () => {
  it('accepts numeric ports 0-65535 as strings', () => {
    assertValid(check(ports({ port: '0' })));
    assertValid(check(ports({ port: '65535', protocol: 'UDP' })));
    assertError(check(ports({ port: '65536' })), `${P}.ports[0].port`, 'between 0 and 65535');
  });

  it('lower-cases IANA port names', () => {
    assert.equal(firstPort(assertValid(check(ports({ port: 'HTTP', protocol: 'TCP' }))))?.port, 'http');
  });

  it('rejects names that are neither numbers nor IANA names', () => {
    assertError(check(ports({ port: 'ht_p' })), `${P}.ports[0].port`, '"ht_p" is not a valid port name');
    assertError(check(ports({ port: 'a--b' })), `${P}.ports[0].port`, 'is not a valid port name');
    assertError(check(ports({ port: 'abcdefghijklmnop' })), `${P}.ports[0].port`, 'is not a valid port name');
  });

  it('reads a leading 0 as octal like Cilium, with a warning', () => {
    const r = check(ports({ port: '010' }));
    assert.equal(firstPort(assertValid(r))?.port, '8');
    assertWarning(r, `${P}.ports[0].port`, 'octal');
    assertError(check(ports({ port: '080' })), `${P}.ports[0].port`, 'unable to parse port');
  });

  it('accepts a YAML number with a warning (the CRD wants a string)', () => {
    const r = check(ports({ port: 80 }));
    assert.equal(firstPort(assertValid(r))?.port, '80');
    assertWarning(r, `${P}.ports[0].port`, 'write "80"');
  });

  it('requires a port', () => {
    assertError(check(ports({ protocol: 'TCP' })), `${P}.ports[0].port`, 'port must be specified');
  });

  it('checks endPort range and warns when it is below port', () => {
    assertValid(check(ports({ port: '8000', endPort: 8080 })));
    assertError(check(ports({ port: '80', endPort: 70000 })), `${P}.ports[0].endPort`, 'between 0 and 65535');
    assertWarning(check(ports({ port: '80', endPort: 70 })), `${P}.ports[0].endPort`, 'less than port');
  });

  it('allows at most 40 ports per rule', () => {
    const forty = Array.from({ length: 40 }, (_, i) => ({ port: String(1000 + i) }));
    assertValid(check(ports(...forty)));
    assertError(check(ports(...forty, { port: '2000' })), `${P}.ports`, 'too many ports, the max is 40');
  });

  it('rejects unknown fields in port entries', () => {
    assertError(check(ports({ port: '80', proto: 'TCP' })), `${P}.ports[0]`, 'unknown field "proto"');
  });
});

describe('Cilium protocols', () => {
  it('defaults an omitted protocol to ANY', () => {
    assert.equal(firstPort(assertValid(check(ports({ port: '80' }))))?.protocol, 'ANY');
  });

  it('upper-cases protocols, warning that the CRD wants upper case', () => {
    const r = check(ports({ port: '53', protocol: 'udp' }));
    assert.equal(firstPort(assertValid(r))?.protocol, 'UDP');
    assertWarning(r, `${P}.ports[0].protocol`, 'upper case');
  });

  it('rejects protocols outside the enum, pointing ICMP at icmps', () => {
    assertError(
      check(ports({ port: '80', protocol: 'HTTP' })),
      `${P}.ports[0].protocol`,
      'unsupported value "HTTP"',
    );
    assertError(check(ports({ port: '0', protocol: 'ICMP' })), `${P}.ports[0].protocol`, 'icmps');
  });

  it('lets extended protocols go without a port, but only empty or 0', () => {
    assertValid(check(ports({ protocol: 'VRRP' })));
    assertValid(check(ports({ protocol: 'GRE', port: '0' })));
    assertError(
      check(ports({ protocol: 'ESP', port: '50' })),
      `${P}.ports[0].port`,
      'port must be empty or 0',
    );
  });
});

describe('Cilium icmps', () => {
  const icmp = (fields: unknown[]) => ingressRule({ fromEndpoints: [{}], icmps: [{ fields }] });
  const F = 'spec.ingress[0].icmps[0].fields';

  it('accepts numbers and named types, normalizing names and the family', () => {
    const p = assertValid(
      check(icmp([{ type: 8 }, { type: 'EchoRequest', family: 'IPv6' }, { type: 'DestinationUnreachable' }])),
    );
    const fields = (p as CiliumNetworkPolicy).spec?.ingress?.[0]?.icmps?.[0]?.fields;
    assert.deepEqual(fields, [
      { family: 'IPv4', type: 8 },
      { family: 'IPv6', type: 128 },
      { family: 'IPv4', type: 3 },
    ]);
  });

  it('checks names against the family', () => {
    assertError(
      check(icmp([{ type: 'PacketTooBig' }])),
      `${F}[0].type`,
      'ICMP type PacketTooBig not found in IPv4',
    );
    assertValid(check(icmp([{ type: 'PacketTooBig', family: 'IPv6' }])));
    assertError(check(icmp([{ type: 'Ping' }])), `${F}[0].type`, 'not found');
  });

  it('checks type range and family enum', () => {
    assertError(check(icmp([{ type: 256 }])), `${F}[0].type`, 'between 0 and 255');
    assertError(check(icmp([{ type: 8, family: 'IPv5' }])), `${F}[0].family`, 'wrong family');
    assertError(check(icmp([{ family: 'IPv4' }])), `${F}[0].type`, 'type is required');
  });

  it('allows at most 40 fields', () => {
    assertValid(check(icmp(Array.from({ length: 40 }, () => ({ type: 0 })))));
    assertError(
      check(icmp(Array.from({ length: 41 }, () => ({ type: 0 })))),
      F,
      'too many types, the max is 40',
    );
  });

  it('cannot be combined with toPorts', () => {
    assertError(
      check(
        ingressRule({
          fromEndpoints: [{}],
          icmps: [{ fields: [{ type: 8 }] }],
          toPorts: [{ ports: [{ port: '80' }] }],
        }),
      ),
      'spec.ingress[0]',
      'the ICMPs block may only be present without ToPorts',
    );
  });
});

describe('Cilium deny port rules', () => {
  it('take only ports (no L7)', () => {
    const deny = (pr: unknown) => ({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'd' },
      spec: { endpointSelector: {}, ingressDeny: [{ fromEntities: ['world'], toPorts: [pr] }] },
    });
    assertValid(check(deny({ ports: [{ port: '22', protocol: 'TCP' }] })));
    assertError(
      check(deny({ ports: [{ port: '80', protocol: 'TCP' }], rules: { http: [{}] } })),
      'spec.ingressDeny[0].toPorts[0]',
      'unknown field "rules"',
    );
  });
});

describe('Cilium serverNames, TLS and listener', () => {
  const E = 'spec.egress[0].toPorts[0]';
  it('checks serverNames', () => {
    assertValid(
      check(
        portRule({ ports: [{ port: '443', protocol: 'TCP' }], serverNames: ['api.example.com'] }, 'egress'),
      ),
    );
    assertError(
      check(portRule({ ports: [{ port: '443', protocol: 'TCP' }], serverNames: [''] }, 'egress')),
      `${E}.serverNames[0]`,
      'Empty server name is not allowed',
    );
  });

  it('rejects serverNames with L7 rules unless TLS is terminated', () => {
    const base = { ports: [{ port: '443', protocol: 'TCP' }], serverNames: ['a.com'], rules: { http: [{}] } };
    assertError(check(portRule(base, 'egress')), `${E}.serverNames`, 'without TLS termination');
    assertValid(check(portRule({ ...base, terminatingTLS: { secret: { name: 'tls' } } }, 'egress')));
    assertError(
      check(portRule({ ...base, terminatingTLS: { secret: {} } }, 'egress')),
      `${E}.terminatingTLS.secret.name`,
      'required',
    );
  });

  it('allows a listener only on egress and without L7 rules', () => {
    const listener = { envoyConfig: { kind: 'CiliumEnvoyConfig', name: 'cec' }, name: 'l1' };
    assertValid(check(portRule({ ports: [{ port: '80', protocol: 'TCP' }], listener }, 'egress')));
    assertError(
      check(portRule({ ports: [{ port: '80', protocol: 'TCP' }], listener })),
      `${P}.listener`,
      'not allowed on ingress',
    );
    assertError(
      check(
        portRule({ ports: [{ port: '80', protocol: 'TCP' }], listener, rules: { http: [{}] } }, 'egress'),
      ),
      `${E}.listener`,
      'not allowed with L7 rules',
    );
    assertError(
      check(
        portRule(
          { ports: [{ port: '80', protocol: 'TCP' }], listener: { ...listener, priority: 101 } },
          'egress',
        ),
      ),
      `${E}.listener.priority`,
      'between 1 and 100',
    );
  });
});

describe('Cilium egress ports', () => {
  it('uses the same checks on egress', () => {
    assertError(
      check(egressRule({ toEndpoints: [{}], toPorts: [{ ports: [{ port: 'ht_p' }] }] })),
      'spec.egress[0].toPorts[0].ports[0].port',
      'not a valid port name',
    );
  });
});
