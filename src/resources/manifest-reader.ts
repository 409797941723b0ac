// Reads manifests like `kubectl -f` (files, directories, `-` for stdin) and splits them into YAML documents.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type DocumentOptions, type ParseOptions, parseAllDocuments, type SchemaOptions } from 'yaml';
import { ManifestIssue } from './manifest-error.js';
import { ManifestReadError } from './manifest-read-error.js';

export interface ManifestSource {
  /** The path as given (or joined with its directory), `-` for stdin. */
  file: string;
  text: string;
}

export interface ManifestDocument {
  /** 1-based number of the `---` document within its file; items of a `kind: List` share it. */
  document: number;
  value: unknown;
  /** Set for items of a `kind: List`: `items[i]`, the prefix of every field path in the item. */
  path?: string;
}

const EXTENSIONS = ['.yaml', '.yml', '.json'];

export async function readManifestSources(
  paths: string[],
  opts: { stdin?: NodeJS.ReadableStream } = {},
): Promise<ManifestSource[]> {
  return (await readManifestSourcesDetailed(paths, opts)).sources;
}

/** Like readManifestSources, also naming the directories that held no manifest files. */
export async function readManifestSourcesDetailed(
  paths: string[],
  opts: { stdin?: NodeJS.ReadableStream } = {},
): Promise<{ sources: ManifestSource[]; emptyDirectories: string[] }> {
  const sources: ManifestSource[] = [];
  const emptyDirectories: string[] = [];
  let stdinRead = false;
  for (const path of paths) {
    if (path === '-') {
      if (stdinRead) {
        throw new ManifestReadError(
          'PORIN_ERR_MANIFEST_STDIN',
          path,
          'standard input ("-") can only be given once',
        );
      }
      stdinRead = true;
      sources.push({ file: '-', text: await readStream(opts.stdin ?? process.stdin) });
      continue;
    }
    if (/^https?:\/\//i.test(path)) {
      throw new ManifestReadError(
        'PORIN_ERR_MANIFEST_URL',
        path,
        `${path}: URLs are not supported; download the manifest first (e.g. curl -fsSLO ${path}) and pass the file`,
      );
    }
    const info = await stat(path).catch((e: unknown) => {
      throw readError(path, e);
    });
    if (info.isDirectory()) {
      const files = await listManifestFiles(path);
      if (files.length === 0) emptyDirectories.push(path);
      for (const f of files) sources.push({ file: f, text: await readText(f) });
    } else {
      sources.push({ file: path, text: await readText(path) });
    }
  }
  return { sources, emptyDirectories };
}

/** The .yaml/.yml/.json files directly inside `dir`, sorted by name (kubectl -f without -R). */
async function listManifestFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: unknown) => {
    throw readError(dir, e);
  });
  const names = entries
    .filter((e) => EXTENSIONS.some((ext) => e.name.endsWith(ext)) && !e.isDirectory())
    .map((e) => e.name)
    .sort();
  const files: string[] = [];
  for (const name of names) {
    const full = join(dir, name);
    // Symlinks and other entries count only when they lead to a regular file.
    const s = await stat(full).catch(() => undefined);
    if (s?.isFile()) files.push(full);
  }
  return files;
}

async function readText(path: string): Promise<string> {
  const buf = await readFile(path).catch((e: unknown) => {
    throw readError(path, e);
  });
  return stripBom(buf.toString('utf8'));
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return stripBom(Buffer.concat(chunks).toString('utf8'));
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

function readError(path: string, e: unknown): ManifestReadError {
  const code = (e as { code?: string } | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new ManifestReadError(
      'PORIN_ERR_MANIFEST_NOT_FOUND',
      path,
      `${path}: no such file or directory; check the path, or pass "-" to read manifests from standard input`,
      { cause: e },
    );
  }
  const reason = e instanceof Error ? e.message : String(e);
  return new ManifestReadError(
    'PORIN_ERR_MANIFEST_UNREADABLE',
    path,
    `${path}: cannot be read (${reason}); check its permissions`,
    { cause: e },
  );
}

/** YAML 1.1 as kubectl reads it, without 1.1's sexagesimal numbers and timestamps (they stay strings). */
const YAML_OPTIONS: DocumentOptions & ParseOptions & SchemaOptions = {
  version: '1.1',
  customTags: (tags) =>
    tags.filter(
      (t) => typeof t === 'string' || (t.format !== 'TIME' && t.tag !== 'tag:yaml.org,2002:timestamp'),
    ),
};

export function parseManifestText(
  text: string,
  file: string,
): { documents: ManifestDocument[]; issues: ManifestIssue[] } {
  const documents: ManifestDocument[] = [];
  const issues: ManifestIssue[] = [];
  const docs = parseAllDocuments(text, YAML_OPTIONS);
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, i) => {
    const source = { file, document: i + 1 };
    if (doc.errors.length > 0) {
      for (const err of doc.errors) issues.push(new ManifestIssue('error', source, '', yamlMessage(err)));
      return;
    }
    for (const w of doc.warnings) issues.push(new ManifestIssue('warning', source, '', yamlMessage(w)));
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      issues.push(new ManifestIssue('error', source, '', `YAML error: ${reason}`));
      return;
    }
    if (value === null || value === undefined) return;
    const items = listItems(value);
    if (items === 'invalid') {
      issues.push(new ManifestIssue('error', source, 'items', 'the items of a List must be a list'));
      return;
    }
    if (!items) {
      documents.push({ document: i + 1, value });
      return;
    }
    items.forEach((item, j) => {
      documents.push({ document: i + 1, value: item, path: `items[${j}]` });
    });
  });
  return { documents, issues };
}

/** The items of a `kind: List` (or `kind: PodList` etc.), or undefined for any other document. */
function listItems(value: unknown): unknown[] | 'invalid' | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as { kind?: unknown; items?: unknown };
  if (typeof v.kind !== 'string' || !v.kind.endsWith('List')) return undefined;
  if (Array.isArray(v.items)) return v.items;
  if (v.kind !== 'List') return undefined;
  return v.items === undefined || v.items === null ? [] : 'invalid';
}

/** `YAML syntax error at line L, column C: reason`, without the library's source excerpt. */
function yamlMessage(err: { message: string; linePos?: readonly { line: number; col: number }[] }): string {
  const first = err.message.split('\n')[0] ?? err.message;
  const reason = first.replace(/ at line \d+, column \d+:?$/, '');
  const pos = err.linePos?.[0];
  return pos
    ? `YAML syntax error at line ${pos.line}, column ${pos.col}: ${reason}`
    : `YAML syntax error: ${reason}`;
}
