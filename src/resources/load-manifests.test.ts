// loadManifests / loadManifestText against the Star Wars fixtures and broken manifests.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { loadManifests, loadManifestText } from './load-manifests.js';
import type { CiliumNetworkPolicy } from './types/index.js';

// Tests run from dist/src/resources; fixtures stay in the source tree.
const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'manifests');
const fixture = (...parts: string[]) => join(FIXTURES, ...parts);
const keys = (r: {
  resources: { object: { kind: string; metadata: { name: string; namespace?: string } } }[];
}) =>
  r.resources.map((x) => `${x.object.kind} ${x.object.metadata.namespace ?? '-'}/${x.object.metadata.name}`);

describe('loadManifests: the Star Wars demo', () => {
  it('loads a directory of valid manifests in file order', async () => {
    const r = await loadManifests([fixture('valid', 'star-wars')]);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(keys(r), [
      'Service default/deathstar',
      'Deployment default/deathstar',
      'Pod default/tiefighter',
      'Pod default/xwing',
      'CiliumNetworkPolicy default/rule1',
    ]);
    assert.deepEqual(r.resources[3]?.source, {
      file: fixture('valid', 'star-wars', '02-ships.yaml'),
      document: 2,
    });
  });

  it('normalizes the L3/L4 rule: org=empire to class=deathstar on 80/TCP', async () => {
    const r = await loadManifests([fixture('valid', 'star-wars', '03-rule1-l3-l4.yaml')]);
    const p = r.resources[0]?.object as CiliumNetworkPolicy;
    assert.deepEqual(p.spec?.endpointSelector, { matchLabels: { org: 'empire', class: 'deathstar' } });
    assert.deepEqual(p.spec?.ingress?.[0]?.fromEndpoints, [{ matchLabels: { org: 'empire' } }]);
    assert.deepEqual(p.spec?.ingress?.[0]?.toPorts?.[0]?.ports, [{ port: '80', protocol: 'TCP' }]);
  });

  it('loads the L7 rule allowing POST /v1/request-landing', async () => {
    const r = await loadManifests([fixture('valid', 'rule1-l7.yaml')]);
    assert.deepEqual(r.errors, []);
    const p = r.resources[0]?.object as CiliumNetworkPolicy;
    assert.deepEqual(p.spec?.ingress?.[0]?.toPorts?.[0]?.rules?.http, [
      { method: 'POST', path: '/v1/request-landing' },
    ]);
  });

  it('reports a duplicate object across inputs on the second one', async () => {
    const r = await loadManifests([fixture('valid', 'star-wars'), fixture('valid', 'rule1-l7.yaml')]);
    assert.equal(r.errors.length, 1);
    assert.equal(
      r.errors[0]?.toString(),
      `${fixture('valid', 'rule1-l7.yaml')}#1: duplicate object: already defined in ${fixture('valid', 'star-wars', '03-rule1-l3-l4.yaml')}#1 (CiliumNetworkPolicy default/rule1)`,
    );
    assert.equal(r.resources.length, 5);
  });

  it('reads a JSON kind: List, with namespaces from the items', async () => {
    const r = await loadManifests([fixture('valid', 'ships-list.json')]);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(keys(r), ['Pod empire/tiefighter', 'Namespace -/empire']);
    assert.equal(r.resources[1]?.source?.document, 1);
  });

  it('reads stdin via -', async () => {
    const text = await readFile(fixture('valid', 'star-wars', '02-ships.yaml'));
    const r = await loadManifests(['-'], { stdin: Readable.from([text]), namespace: 'rebels' });
    assert.deepEqual(keys(r), ['Pod rebels/tiefighter', 'Pod rebels/xwing']);
    assert.equal(r.resources[0]?.source?.file, '-');
  });

  it('does not read subdirectories (nested/ignored.yaml is broken on purpose)', async () => {
    const nested = await loadManifests([fixture('valid', 'star-wars', 'nested')]);
    assert.ok(nested.errors.length > 0);
  });

  it('warns about a directory without manifests', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'porin-empty-'));
    try {
      const r = await loadManifests([dir]);
      assert.deepEqual(r.errors, []);
      assert.equal(r.warnings[0]?.toString(), `${dir}#0: no .yaml, .yml or .json files in this directory`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('loadManifests: broken manifests', () => {
  it('gives the issue example for deny.yaml: file#doc path: message', async () => {
    const r = await loadManifests([fixture('invalid', 'deny.yaml')]);
    assert.equal(r.errors.length, 1);
    const line = r.errors[0]?.toString() ?? '';
    const expected = `${fixture('invalid', 'deny.yaml')}#2 spec.ingress[0].toPorts[0].ports[0].port: "ht_p" is not a valid port name`;
    assert.ok(line.startsWith(expected), line);
    assert.ok(line.endsWith('(CiliumNetworkPolicy default/deny-web)'), line);
    assert.deepEqual(r.resources, [], 'the valid Namespace in document 1 is not applied either');
  });

  it('applies nothing from a file with any error', async () => {
    const r = await loadManifests([
      fixture('invalid', 'one-bad-pod.yaml'),
      fixture('valid', 'star-wars', '02-ships.yaml'),
    ]);
    assert.equal(
      r.errors[0]?.toString().includes('one-bad-pod.yaml#2 spec.containers[0].ports[0].containerPort'),
      true,
    );
    assert.deepEqual(keys(r), ['Pod default/tiefighter', 'Pod default/xwing']);
  });

  it('reports YAML syntax errors with a line number, reading an explicit file of any extension', async () => {
    const r = await loadManifests([fixture('invalid', 'bad-syntax.txt')]);
    assert.match(
      r.errors[0]?.toString() ?? '',
      /bad-syntax\.txt#1: YAML syntax error at line \d+, column \d+: /,
    );
    assert.deepEqual(r.resources, []);
  });

  it('reports every NetworkPolicy mistake with its path', async () => {
    const r = await loadManifests([fixture('invalid', 'netpol-typos.yaml')]);
    assert.deepEqual(
      r.errors.map((e) => `${e.path}: ${e.message.split(' (')[0]}`),
      [
        'spec: unknown field "ingres"',
        'spec.egress[0].to[0].ipBlock.cidr: "10.1.2.3/8" is not a valid CIDR: must not have bits set beyond the prefix length',
        'spec.egress[0].ports[0].endPort: must be greater than or equal to `port`',
      ],
    );
    assert.ok(r.errors.every((e) => e.object === 'NetworkPolicy prod/typos'));
  });

  it('loads a whole directory of broken files without throwing', async () => {
    const r = await loadManifests([fixture('invalid')]);
    assert.deepEqual(r.resources, []);
    assert.ok(r.errors.length >= 5);
  });
});

describe('loadManifestText', () => {
  it('defaults the namespace to default, or to opts.namespace', () => {
    const text =
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p}\nspec: {endpointSelector: {}, ingress: [{}]}\n';
    assert.deepEqual(keys(loadManifestText(text, 't.yaml')), [
      'Namespace -/a',
      'CiliumNetworkPolicy default/p',
    ]);
    assert.deepEqual(keys(loadManifestText(text, 't.yaml', { namespace: 'prod' })), [
      'Namespace -/a',
      'CiliumNetworkPolicy prod/p',
    ]);
  });

  it('warns about and skips kinds Porin does not use', () => {
    const r = loadManifestText(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n',
      't.yaml',
    );
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.resources, []);
    assert.equal(
      r.warnings[0]?.toString(),
      't.yaml#1: ignored: Porin does not use kind ConfigMap (ConfigMap default/cfg)',
    );
  });

  it('refuses an unknown kind as kubectl does, suggesting the nearest one, and applies nothing', () => {
    const r = loadManifestText(
      [
        'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolcy\nmetadata: {name: p}\nspec: {endpointSelector: {}}',
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}',
      ].join('\n---\n'),
      't.yaml',
    );
    assert.equal(r.errors.length, 1);
    assert.equal(
      r.errors[0]?.toString(),
      't.yaml#1 kind: no matches for kind "CiliumNetworkPolcy" in version "cilium.io/v2": did you mean "CiliumNetworkPolicy"? (CiliumNetworkPolcy default/p)',
    );
    const far = loadManifestText('apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n', 'w.yaml');
    assert.match(
      far.errors[0]!.toString(),
      /no matches for kind "Widget" in version "example.com\/v1": Porin reads Namespace, Pod/,
    );
  });

  it('a known Kubernetes kind with a wrong apiVersion is an error, not a skip', () => {
    const r = loadManifestText('apiVersion: v2\nkind: ConfigMap\nmetadata: {name: cfg}\n', 't.yaml');
    assert.match(r.errors[0]!.toString(), /no matches for kind "ConfigMap" in version "v2"/);
  });

  it('names the supported apiVersion for a known kind', () => {
    const r = loadManifestText(
      'apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: d}\n',
      't.yaml',
    );
    assert.equal(
      r.errors[0]?.toString(),
      't.yaml#1 apiVersion: "extensions/v1beta1" is not supported for Deployment: use "apps/v1" (Deployment default/d)',
    );
    const missing = loadManifestText('kind: Pod\nmetadata: {name: p}\n', 't.yaml');
    assert.match(missing.errors[0]?.message ?? '', /apiVersion is required: use "v1"/);
  });

  it('requires kind and an object document', () => {
    assert.equal(loadManifestText('apiVersion: v1\n', 't.yaml').errors[0]?.path, 'kind');
    assert.match(
      loadManifestText('- a\n- b\n', 't.yaml').errors[0]?.message ?? '',
      /must be a Kubernetes object/,
    );
  });

  it('prefixes paths of List items with items[i]', () => {
    const text =
      'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Namespace\n    metadata: {name: ok}\n  - apiVersion: v1\n    kind: Namespace\n    metadata: {name: Not_OK}\n';
    const r = loadManifestText(text, 'list.yaml');
    assert.match(
      r.errors[0]?.toString() ?? '',
      /^list\.yaml#1 items\[1\]\.metadata\.name: "Not_OK" is not a valid name/,
    );
    assert.deepEqual(r.resources, []);
  });

  it('reports duplicates within one file', () => {
    const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n';
    const r = loadManifestText(`${ns}---\n${ns}`, 'dup.yaml');
    assert.equal(
      r.errors[0]?.toString(),
      'dup.yaml#2: duplicate object: already defined in dup.yaml#1 (Namespace a)',
    );
  });

  it('treats objects in different namespaces as different', () => {
    const pod = (ns: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ${ns}}\nspec: {containers: [{name: c, image: i}]}\n`;
    assert.deepEqual(loadManifestText(`${pod('a')}---\n${pod('b')}`, 'x.yaml').errors, []);
  });
});
