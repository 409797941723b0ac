// Reads `-f` manifests into a policy engine; any manifest error stops here with every error listed.

import { PolicyEngine } from '../policy/index.js';
import { loadManifests, type ManifestIssue } from '../resources/index.js';
import { CliError } from './cli-error.js';

export interface LoadedEngine {
  engine: PolicyEngine;
  warnings: ManifestIssue[];
  objects: number;
}

export async function loadEngine(files: string[], opts: { namespace?: string } = {}): Promise<LoadedEngine> {
  if (files.length === 0) throw new CliError('no manifests given: use -f FILE|DIR|- (repeatable)');
  const res = await loadManifests(files, {
    stdin: process.stdin,
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
  });
  if (res.errors.length > 0) {
    throw new CliError(
      `${res.errors.map(String).join('\n')}\n${res.errors.length} error(s): nothing was loaded`,
      1,
    );
  }
  const engine = new PolicyEngine();
  // Namespaces and pods first so identities exist before policies select them (the result is the same either way).
  const order = ['Namespace', 'Node', 'Pod', 'Deployment', 'Service', 'EndpointSlice'];
  const sorted = [...res.resources].sort((a, b) => rank(order, a.object.kind) - rank(order, b.object.kind));
  for (const r of sorted) engine.upsert(r.object);
  return { engine, warnings: res.warnings, objects: res.resources.length };
}

function rank(order: string[], kind: string): number {
  const i = order.indexOf(kind);
  return i < 0 ? order.length : i;
}
