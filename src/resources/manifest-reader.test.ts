// parseManifestText (documents, List items, YAML errors) and readManifestSources (files, directories, stdin).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ManifestReadError } from './manifest-read-error.js';
import { parseManifestText, readManifestSources } from './manifest-reader.js';

describe('parseManifestText', () => {
  it('numbers every --- document from 1, skipping empty ones without renumbering', () => {
    const r = parseManifestText('a: 1\n---\n---\n# only a comment\n---\nb: 2\n', 'f.yaml');
    assert.deepEqual(r.issues, []);
    assert.deepEqual(
      r.documents.map((d) => [d.document, d.value]),
      [
        [1, { a: 1 }],
        [4, { b: 2 }],
      ],
    );
  });

  it('does not count a leading --- as an extra document', () => {
    const r = parseManifestText('---\na: 1\n---\nb: 2\n', 'f.yaml');
    assert.deepEqual(
      r.documents.map((d) => d.document),
      [1, 2],
    );
  });

  it('reads JSON as YAML', () => {
    const r = parseManifestText(
      '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}',
      'f.json',
    );
    assert.deepEqual(r.documents[0]?.value, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
  });

  it('expands kind: List items, each keeping the List document number and an items[i] path', () => {
    const text = 'a: 1\n---\napiVersion: v1\nkind: List\nitems:\n  - {kind: Pod}\n  - {kind: Service}\n';
    const r = parseManifestText(text, 'f.yaml');
    assert.deepEqual(
      r.documents.map((d) => [d.document, d.path, d.value]),
      [
        [1, undefined, { a: 1 }],
        [2, 'items[0]', { kind: 'Pod' }],
        [2, 'items[1]', { kind: 'Service' }],
      ],
    );
  });

  it('reports a List whose items are not a list', () => {
    const r = parseManifestText('kind: List\nitems: {a: 1}\n', 'f.yaml');
    assert.equal(r.issues[0]?.toString(), 'f.yaml#1 items: the items of a List must be a list');
  });

  it('reports YAML syntax errors with the document and line number', () => {
    const r = parseManifestText('a: 1\n---\nb: [1, 2\nc: 3\n', 'f.yaml');
    assert.equal(r.issues.length > 0, true);
    const issue = r.issues[0];
    assert.equal(issue?.severity, 'error');
    assert.equal(issue?.source.document, 2);
    assert.match(issue?.message ?? '', /^YAML syntax error at line \d+, column \d+: /);
    assert.deepEqual(
      r.documents.map((d) => d.document),
      [1],
    );
  });

  it('reports duplicate keys', () => {
    const r = parseManifestText('a: 1\na: 2\n', 'f.yaml');
    assert.match(
      r.issues[0]?.toString() ?? '',
      /^f\.yaml#1: YAML syntax error at line 2, column 1: Map keys must be unique/,
    );
  });

  it('reads YAML 1.1 booleans like kubectl, but keeps times and dates as strings', () => {
    const r = parseManifestText('a: yes\nb: 1:20\nc: 2024-01-02\nd: "yes"\n', 'f.yaml');
    assert.deepEqual(r.documents[0]?.value, { a: true, b: '1:20', c: '2024-01-02', d: 'yes' });
  });
});

describe('readManifestSources', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'porin-manifests-'));
    await writeFile(join(dir, 'b.yaml'), 'b: 1\n');
    await writeFile(join(dir, 'a.json'), '{"a": 1}');
    await writeFile(join(dir, 'c.yml'), 'c: 1\n');
    await writeFile(join(dir, 'notes.txt'), 'not yaml');
    await writeFile(join(dir, 'upper.YAML'), 'x: 1\n');
    await mkdir(join(dir, 'sub.yaml'));
    await mkdir(join(dir, 'nested'));
    await writeFile(join(dir, 'nested', 'd.yaml'), 'd: 1\n');
    await writeFile(join(dir, 'bom.yaml'), '\ufeffe: 1\n');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a directory: .yaml/.yml/.json files directly inside, sorted, not recursive', async () => {
    const sources = await readManifestSources([dir]);
    assert.deepEqual(
      sources.map((s) => s.file),
      ['a.json', 'b.yaml', 'bom.yaml', 'c.yml'].map((f) => join(dir, f)),
    );
  });

  it('reads an explicit file whatever its extension, and strips a BOM', async () => {
    const [notes] = await readManifestSources([join(dir, 'notes.txt')]);
    assert.equal(notes?.text, 'not yaml');
    const [bom] = await readManifestSources([join(dir, 'bom.yaml')]);
    assert.equal(bom?.text, 'e: 1\n');
  });

  it('reads - from the given stdin stream, in argument order', async () => {
    const stdin = Readable.from([Buffer.from('s: 1\n'), 's2: 2\n']);
    const sources = await readManifestSources([join(dir, 'c.yml'), '-'], { stdin });
    assert.deepEqual(
      sources.map((s) => [s.file, s.text]),
      [
        [join(dir, 'c.yml'), 'c: 1\n'],
        ['-', 's: 1\ns2: 2\n'],
      ],
    );
  });

  it('throws a ManifestReadError with a stable code for a missing path', async () => {
    const missing = join(dir, 'nope.yaml');
    await assert.rejects(readManifestSources([missing]), (e: unknown) => {
      assert.ok(e instanceof ManifestReadError);
      assert.equal(e.code, 'PORIN_ERR_MANIFEST_NOT_FOUND');
      assert.equal(e.path, missing);
      assert.match(e.message, /no such file or directory; check the path, or pass "-"/);
      return true;
    });
  });

  it('refuses URLs and a second -', async () => {
    await assert.rejects(readManifestSources(['https://example.com/a.yaml']), {
      code: 'PORIN_ERR_MANIFEST_URL',
    });
    await assert.rejects(readManifestSources(['-', '-'], { stdin: Readable.from(['a: 1']) }), {
      code: 'PORIN_ERR_MANIFEST_STDIN',
    });
  });
});
