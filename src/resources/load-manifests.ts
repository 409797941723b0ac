// Loads manifests into validated objects: a file with any error applies nothing; duplicates are errors.
import { ManifestIssue } from './manifest-error.js';
import { type ManifestSource, parseManifestText, readManifestSourcesDetailed } from './manifest-reader.js';
import { type LoadedResource, NAMESPACED_KINDS, resourceKey, type SourceLocation } from './types/index.js';
import { describeObject } from './validate-meta.js';
import { validateResource } from './validate-resource.js';

export interface LoadResult {
  resources: LoadedResource[];
  /** Any error is fatal for the caller; objects of a file with errors are not in `resources`. */
  errors: ManifestIssue[];
  warnings: ManifestIssue[];
}

export interface LoadOptions {
  /** Namespace for namespaced objects that do not name one (default `default`). */
  namespace?: string;
}

/** Reads `paths` with `kubectl -f` semantics and validates every object in them. */
export async function loadManifests(
  paths: string[],
  opts: LoadOptions & { stdin?: NodeJS.ReadableStream } = {},
): Promise<LoadResult> {
  const { sources, emptyDirectories } = await readManifestSourcesDetailed(paths, opts);
  const result = loadSources(sources, opts);
  for (const dir of emptyDirectories) {
    result.warnings.push(
      new ManifestIssue(
        'warning',
        { file: dir, document: 0 },
        '',
        'no .yaml, .yml or .json files in this directory',
      ),
    );
  }
  return result;
}

/** Validates manifest text already in memory (tests, API callers). */
export function loadManifestText(text: string, file: string, opts: LoadOptions = {}): LoadResult {
  return loadSources([{ file, text }], opts);
}

/** Validates several sources together, so duplicates across them are found. */
export function loadSources(sources: ManifestSource[], opts: LoadOptions = {}): LoadResult {
  const namespace = opts.namespace || 'default';
  const result: LoadResult = { resources: [], errors: [], warnings: [] };
  const seen = new Map<string, SourceLocation>();
  for (const { file, text } of sources) {
    const fileResources: LoadedResource[] = [];
    let fileHasErrors = false;
    const parsed = parseManifestText(text, file);
    const issues = [...parsed.issues];
    for (const doc of parsed.documents) {
      const source = { file, document: doc.document };
      const r = validateResource(doc.value, {
        source,
        namespace,
        ...(doc.path ? { pathPrefix: doc.path } : {}),
      });
      issues.push(...r.issues);
      if (!r.object) continue;
      const key = resourceKey(r.object);
      const first = seen.get(key);
      if (first) {
        const name = describeObject(r.object.kind, r.object, NAMESPACED_KINDS.has(r.object.kind), namespace);
        issues.push(
          new ManifestIssue(
            'error',
            source,
            doc.path ?? '',
            `duplicate object: already defined in ${first.file}#${first.document}`,
            name,
          ),
        );
        continue;
      }
      seen.set(key, source);
      fileResources.push({ object: r.object, source });
    }
    for (const issue of issues) {
      if (issue.severity === 'error') {
        fileHasErrors = true;
        result.errors.push(issue);
      } else {
        result.warnings.push(issue);
      }
    }
    if (!fileHasErrors) result.resources.push(...fileResources);
  }
  return result;
}
