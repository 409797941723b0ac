// Cilium policy object and rule shape: spec/specs, scope, selectors, peer combinations, rule extras.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertError,
  assertNoWarning,
  assertValid,
  assertWarning,
  check,
  cnp,
  egressRule,
  ingressRule,
} from './issue-assertions.js';
import type { CiliumNetworkPolicy } from './types/index.js';

const WEB = { matchLabels: { app: 'web' } };
const allowAll = { endpointSelector: WEB, ingress: [{}] };

describe('CiliumNetworkPolicy object', () => {
  it('needs spec or specs', () => {
    assertValid(check(cnp(allowAll)));
    assertValid(check({ ...cnp(undefined), specs: [allowAll, { endpointSelector: {}, egress: [{}] }] }));
    assertError(check(cnp(undefined)), '', 'spec or specs must be provided');
  });

  it('rejects an empty specs list', () => {
    assertError(check({ ...cnp(undefined), specs: [] }), 'specs', 'empty policy');
  });

  it('names rule paths inside specs by index', () => {
    assertError(
      check({ ...cnp(undefined), specs: [allowAll, { ingress: [{}] }] }),
      'specs[1]',
      'rule must have one of EndpointSelector or NodeSelector',
    );
  });

  it('is namespaced (defaulting to the load namespace) while CCNP is cluster-scoped', () => {
    const p = assertValid(check(cnp(allowAll), 'prod'));
    assert.equal(p.metadata.namespace, 'prod');
    const ccnp = check({
      ...cnp(allowAll, 'CiliumClusterwideNetworkPolicy'),
      metadata: { name: 'c', namespace: 'x' },
    });
    assert.equal(assertValid(ccnp).metadata.namespace, undefined);
    assertWarning(ccnp, 'metadata.namespace', 'cluster-scoped');
  });

  it('requires a DNS-1123 subdomain name', () => {
    assertError(
      check({ ...cnp(allowAll), metadata: { name: 'Rule_1' } }),
      'metadata.name',
      'RFC 1123 subdomain',
    );
  });
});

describe('Cilium rule shape', () => {
  it('needs exactly one of endpointSelector and nodeSelector', () => {
    assertError(
      check(cnp({ ingress: [{}] })),
      'spec',
      'rule must have one of EndpointSelector or NodeSelector',
    );
    assertError(
      check(cnp({ endpointSelector: {}, nodeSelector: {}, ingress: [{}] }, 'CiliumClusterwideNetworkPolicy')),
      'spec',
      'rule cannot have both EndpointSelector and NodeSelector',
    );
  });

  it('allows nodeSelector only in a CiliumClusterwideNetworkPolicy', () => {
    assertValid(check(cnp({ nodeSelector: {}, ingress: [{}] }, 'CiliumClusterwideNetworkPolicy')));
    assertError(
      check(cnp({ nodeSelector: {}, ingress: [{}] })),
      'spec.nodeSelector',
      'rule cannot have NodeSelector',
    );
  });

  it('needs at least one of ingress, ingressDeny, egress, egressDeny', () => {
    assertError(
      check(cnp({ endpointSelector: WEB })),
      'spec',
      'rule must have at least one of Ingress, IngressDeny',
    );
    assertValid(check(cnp({ endpointSelector: WEB, egressDeny: [{ toEntities: ['world'] }] })));
  });

  it('warns that an empty ingress or egress list does not mean default deny', () => {
    const r = check(cnp({ endpointSelector: WEB, ingress: [], egress: [{}] }));
    assertValid(r);
    assertWarning(r, 'spec.ingress', 'write `ingress: [{}]`');
    assertNoWarning(check(cnp(allowAll)), 'empty list');
    const alone = check(cnp({ endpointSelector: WEB, egress: [] }));
    assertError(alone, 'spec', 'an empty list counts as none');
    assertWarning(alone, 'spec.egress', 'default deny');
  });

  it('validates endpoint selectors, allowing label source prefixes', () => {
    assertValid(
      check(
        cnp({
          endpointSelector: {
            matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'any:app': 'dns' },
          },
          ingress: [{ fromEndpoints: [{ matchLabels: { 'reserved:host': '' } }] }],
        }),
      ),
    );
    // Cilium accepts any alphanumeric source; one it does not define selects nothing, so Porin warns.
    assertWarning(
      check(cnp({ endpointSelector: { matchLabels: { 'bogus:app': 'x' } }, ingress: [{}] })),
      'spec.endpointSelector.matchLabels',
      'unknown label source "bogus"',
    );
    assertError(
      check(cnp({ endpointSelector: { matchLabels: { 'bo-gus:app': 'x' } }, ingress: [{}] })),
      'spec.endpointSelector.matchLabels',
      'letters and digits',
    );
    assertError(
      check(
        ingressRule({
          fromEndpoints: [{ matchExpressions: [{ key: 'app', operator: 'Equals', values: ['a'] }] }],
        }),
      ),
      'spec.ingress[0].fromEndpoints[0].matchExpressions[0].operator',
      'unsupported value "Equals"',
    );
  });

  it('rejects unknown fields in rules', () => {
    assertError(check(cnp({ ...allowAll, ingres: [] })), 'spec', 'unknown field "ingres"');
    assertError(
      check(ingressRule({ fromEndpoint: [{}] })),
      'spec.ingress[0]',
      'unknown field "fromEndpoint"',
    );
    assertError(
      check(egressRule({ fromEndpoints: [{}] })),
      'spec.egress[0]',
      'unknown field "fromEndpoints"',
    );
  });

  it('keeps toFQDNs and authentication off deny rules', () => {
    const deny = cnp({ endpointSelector: WEB, egressDeny: [{ toFQDNs: [{ matchName: 'a.com' }] }] });
    assertError(check(deny), 'spec.egressDeny[0]', 'unknown field "toFQDNs"');
    const auth = cnp({
      endpointSelector: WEB,
      ingressDeny: [{ fromEntities: ['world'], authentication: { mode: 'required' } }],
    });
    assertError(check(auth), 'spec.ingressDeny[0]', 'unknown field "authentication"');
  });

  it('reports wrong types at their path', () => {
    assertError(check(cnp({ endpointSelector: WEB, ingress: 'all' })), 'spec.ingress', 'must be a list');
    assertError(
      check(cnp({ endpointSelector: 'app=web', ingress: [{}] })),
      'spec.endpointSelector',
      'must be an object',
    );
    assertError(
      check(ingressRule({ fromEndpoints: [null] })),
      'spec.ingress[0].fromEndpoints[0]',
      'got null',
    );
  });
});

describe('Cilium L3 peer combinations', () => {
  it('allows one peer type per rule', () => {
    assertValid(check(ingressRule({ fromEndpoints: [{}], toPorts: [{ ports: [{ port: '80' }] }] })));
    assertError(
      check(ingressRule({ fromEndpoints: [{}], fromCIDR: ['10.0.0.0/8'] })),
      'spec.ingress[0]',
      'combining FromEndpoints and FromCIDR is not supported yet',
    );
    assertError(
      check(egressRule({ toFQDNs: [{ matchName: 'a.com' }], toEntities: ['world'] })),
      'spec.egress[0]',
      'combining ToEntities and ToFQDNs is not supported yet',
    );
  });

  it('ignores empty peer lists when counting peer types', () => {
    assertValid(check(ingressRule({ fromEndpoints: [{}], fromCIDR: [] })));
  });

  it('does not combine toServices with toPorts', () => {
    assertError(
      check(
        egressRule({
          toServices: [{ k8sService: { serviceName: 'db' } }],
          toPorts: [{ ports: [{ port: '80' }] }],
        }),
      ),
      'spec.egress[0]',
      'combining ToServices and ToPorts is not supported yet',
    );
  });
});

describe('Cilium rule extras', () => {
  it('warns that fromRequires/toRequires are deprecated', () => {
    const r = check(ingressRule({ fromEndpoints: [{}], fromRequires: [{ matchLabels: { env: 'prod' } }] }));
    assertValid(r);
    assertWarning(r, 'spec.ingress[0].fromRequires', 'removed in Cilium 1.19');
    assertWarning(
      check(egressRule({ toEndpoints: [{}], toRequires: [{}] })),
      'spec.egress[0].toRequires',
      'deprecated',
    );
  });

  it('checks authentication.mode', () => {
    assertValid(check(ingressRule({ fromEndpoints: [{}], authentication: { mode: 'required' } })));
    assertError(
      check(ingressRule({ fromEndpoints: [{}], authentication: { mode: 'mtls' } })),
      'spec.ingress[0].authentication.mode',
      'unsupported value "mtls"',
    );
    assertError(
      check(ingressRule({ fromEndpoints: [{}], authentication: {} })),
      'spec.ingress[0].authentication.mode',
      'required',
    );
  });

  it('checks enableDefaultDeny booleans', () => {
    const p = assertValid(
      check(cnp({ ...allowAll, enableDefaultDeny: { ingress: false, egress: true } })),
    ) as CiliumNetworkPolicy;
    assert.deepEqual(p.spec?.enableDefaultDeny, { ingress: false, egress: true });
    assertError(
      check(cnp({ ...allowAll, enableDefaultDeny: { ingress: 'no' } })),
      'spec.enableDefaultDeny.ingress',
      'boolean',
    );
    assertError(
      check(cnp({ ...allowAll, enableDefaultDeny: { ingres: true } })),
      'spec.enableDefaultDeny',
      'unknown field',
    );
  });

  it('checks description, labels and log', () => {
    const p = assertValid(
      check(
        cnp({
          ...allowAll,
          description: 'web',
          labels: [{ key: 'team', value: 'a' }],
          log: { value: 'web-in' },
        }),
      ),
    ) as CiliumNetworkPolicy;
    assert.equal(p.spec?.description, 'web');
    assertError(check(cnp({ ...allowAll, description: 42 })), 'spec.description', 'must be a string');
    assertError(
      check(cnp({ ...allowAll, labels: [{ value: 'a' }] })),
      'spec.labels[0].key',
      'key is required',
    );
    assertError(
      check(cnp({ ...allowAll, log: { value: 'x'.repeat(33) } })),
      'spec.log.value',
      'no more than 32',
    );
    assertValid(check(cnp({ ...allowAll, log: { value: 'x'.repeat(32) } })));
    assertError(check(cnp({ ...allowAll, log: { value: 'a\tb' } })), 'spec.log.value', 'control characters');
  });

  it('warns that groups are not supported', () => {
    assertWarning(
      check(egressRule({ toGroups: [{ aws: { securityGroupsIds: ['sg-1'] } }] })),
      'spec.egress[0].toGroups',
      'does not support',
    );
  });
});
