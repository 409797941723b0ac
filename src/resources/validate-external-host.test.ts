// ExternalHost validation: documentation ranges only, DNS hostnames, ports; errors name file#doc, object and field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadManifestText } from './load-manifests.js';
import type { ExternalHost } from './types/index.js';

const doc = (spec: string, name = 'api-github-com') =>
  `apiVersion: porin.io/v1alpha1\nkind: ExternalHost\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
const errors = (text: string) => loadManifestText(text, 'hosts.yaml').errors.map(String);

describe('ExternalHost validation', () => {
  it('accepts the issue example and defaults ports to TCP', () => {
    const r = loadManifestText(
      doc(
        '{hostnames: [api.github.com], addresses: [203.0.113.10], ports: [{port: 80}, {port: 53, protocol: UDP}]}',
      ),
      'hosts.yaml',
    );
    assert.deepEqual(r.errors, []);
    const h = r.resources[0]!.object as ExternalHost;
    assert.deepEqual(h.spec, {
      hostnames: ['api.github.com'],
      addresses: ['203.0.113.10'],
      ports: [
        { port: 80, protocol: 'TCP' },
        { port: 53, protocol: 'UDP' },
      ],
    });
    assert.equal(h.metadata.namespace, undefined, 'cluster-scoped');
  });

  it('accepts every documentation range, IPv6 included', () => {
    const r = loadManifestText(
      doc('{addresses: [192.0.2.1, 198.51.100.7, 203.0.113.255, "2001:db8::10"], ttl: 5}'),
      'hosts.yaml',
    );
    assert.deepEqual(r.errors, []);
  });

  it('refuses addresses outside the documentation ranges, naming file, document, object and field', () => {
    const e = errors(
      doc('{hostnames: [api.github.com], addresses: [203.0.113.10, 140.82.112.5, "2001:db9::1"]}'),
    );
    assert.equal(e.length, 2);
    assert.match(
      e[0]!,
      /^hosts\.yaml#1 spec\.addresses\[1\]: 140\.82\.112\.5 is outside the documentation ranges.*\(ExternalHost api-github-com\)$/,
    );
    assert.match(e[1]!, /spec\.addresses\[2\]: 2001:db9::1 is outside/);
  });

  it('refuses the world DNS address, bad and duplicate addresses, and an empty list', () => {
    assert.match(errors(doc('{addresses: [192.0.2.53]}'))[0]!, /world's DNS server/);
    assert.match(errors(doc('{addresses: [203.0.113.010]}'))[0]!, /spec\.addresses\[0\]: .*leading 0s/);
    assert.match(errors(doc('{addresses: [203.0.113.1, 203.0.113.1]}'))[0]!, /duplicate address/);
    assert.match(errors(doc('{addresses: []}'))[0]!, /spec\.addresses: at least one address is required/);
    assert.match(errors(doc('{hostnames: [a.com]}'))[0]!, /at least one address is required/);
  });

  it('hostnames must be DNS names: no wildcards, no upper case, no addresses, no duplicates', () => {
    for (const bad of ['"*.github.com"', 'API.github.com', '"api.github.com."', '"-x.com"', '"1.2.3.4"']) {
      const e = errors(doc(`{hostnames: [${bad}], addresses: [203.0.113.1]}`));
      assert.equal(e.length, 1, bad);
      assert.match(e[0]!, /spec\.hostnames\[0\]/);
    }
    assert.match(
      errors(doc('{hostnames: [a.com, a.com], addresses: [203.0.113.1]}'))[0]!,
      /hostnames\[1\]: duplicate/,
    );
  });

  it('ports: range, protocol (no SCTP here), duplicates, unknown fields', () => {
    assert.match(
      errors(doc('{addresses: [203.0.113.1], ports: [{port: 0}]}'))[0]!,
      /spec\.ports\[0\]\.port: 0 is out of range/,
    );
    assert.match(errors(doc('{addresses: [203.0.113.1], ports: [{port: 70000}]}'))[0]!, /out of range/);
    assert.match(errors(doc('{addresses: [203.0.113.1], ports: [{protocol: TCP}]}'))[0]!, /port is required/);
    assert.match(
      errors(doc('{addresses: [203.0.113.1], ports: [{port: 9, protocol: SCTP}]}'))[0]!,
      /no SCTP/,
    );
    assert.match(
      errors(doc('{addresses: [203.0.113.1], ports: [{port: 9, protocol: ICMP}]}'))[0]!,
      /unsupported value "ICMP"/,
    );
    assert.match(
      errors(doc('{addresses: [203.0.113.1], ports: [{port: 80}, {port: 80, protocol: TCP}]}'))[0]!,
      /ports\[1\]: duplicate port 80\/TCP/,
    );
    assert.match(
      errors(doc('{addresses: [203.0.113.1], hostname: [a.com]}'))[0]!,
      /unknown field "hostname" \(did you mean "hostnames"\?\)/,
    );
    assert.match(errors(doc('{addresses: [203.0.113.1], ttl: -1}'))[0]!, /spec\.ttl: -1 is out of range/);
  });

  it('wrong apiVersion and a missing spec are errors; a file with an error applies nothing', () => {
    const wrong = doc('{addresses: [203.0.113.1]}').replace('porin.io/v1alpha1', 'porin.io/v1');
    assert.match(
      errors(wrong)[0]!,
      /apiVersion: "porin\.io\/v1" is not supported for ExternalHost: use "porin\.io\/v1alpha1"/,
    );
    assert.match(
      errors('apiVersion: porin.io/v1alpha1\nkind: ExternalHost\nmetadata: {name: x}\n')[0]!,
      /spec is required/,
    );
    const r = loadManifestText(
      `${doc('{addresses: [203.0.113.1]}', 'good')}---\n${doc('{addresses: [8.8.8.8]}', 'bad')}`,
      'two.yaml',
    );
    assert.equal(r.errors.length, 1);
    assert.match(String(r.errors[0]), /^two\.yaml#2 spec\.addresses\[0\]: .*\(ExternalHost bad\)$/);
  });
});
