// `porin apply -f …` and `porin delete -f … | KIND NAME [-n NS]`: validated locally first, applied all or nothing.
import { resolveKind } from '../api/index.js';
import { loadManifests, NAMESPACED_KINDS, type Resource, type ResourceKind } from '../resources/index.js';
import { CliError } from './cli-error.js';
import { agentClient } from './cluster-client.js';
import { type Out, paint } from './output.js';
import { COMMON_OPTIONS, parseFlags } from './parse-flags.js';

const KIND_NAMES: Record<string, string> = {
  Namespace: 'namespace',
  Pod: 'pod',
  Service: 'service',
  Node: 'node',
  Deployment: 'deployment.apps',
  EndpointSlice: 'endpointslice.discovery.k8s.io',
  NetworkPolicy: 'networkpolicy.networking.k8s.io',
  CiliumNetworkPolicy: 'ciliumnetworkpolicy.cilium.io',
  CiliumClusterwideNetworkPolicy: 'ciliumclusterwidenetworkpolicy.cilium.io',
  ExternalHost: 'externalhost.porin.io',
};

export function objectName(r: Pick<Resource, 'kind' | 'metadata'>): string {
  return `${KIND_NAMES[r.kind] ?? r.kind.toLowerCase()}/${r.metadata.name}`;
}

/** Loads manifests; every error is printed with file#document and field path, and nothing is applied. */
export async function loadOrFail(
  files: string[],
  namespace: string | undefined,
  out: Out,
): Promise<Resource[]> {
  const res = await loadManifests(files, { stdin: process.stdin, ...(namespace ? { namespace } : {}) });
  for (const w of res.warnings) out.write(`${paint(out, 'yellow', 'warning:')} ${w}\n`);
  if (res.errors.length > 0) {
    throw new CliError(
      `${res.errors.map(String).join('\n')}\n${res.errors.length} error(s): nothing was applied`,
      1,
    );
  }
  return res.resources.map((r) => r.object);
}

export async function applyObjects(objects: Resource[], out: Out): Promise<void> {
  if (objects.length === 0) return;
  // Status belongs to the cluster (as with the apiserver's status subresource): a manifest's is dropped.
  const res = await agentClient().apply(
    objects.map((o) => {
      const { status: _status, ...rest } = o as Resource & { status?: unknown };
      return rest as Resource;
    }),
  );
  for (const r of res.results) out.write(`${objectName(r.object)} ${r.result}\n`);
}

export async function clusterApply(args: string[], out: Out): Promise<number> {
  const usage = 'usage: porin apply -f FILE|DIR|- [-f …] [-n NAMESPACE]';
  const { values } = parseFlags(args, COMMON_OPTIONS, usage);
  if (values.help || !values.filename?.length) {
    out.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  await applyObjects(await loadOrFail(values.filename, values.namespace, out), out);
  return 0;
}

export async function clusterDelete(args: string[], out: Out): Promise<number> {
  const usage = 'usage: porin delete -f FILE… | porin delete KIND NAME… [-n NAMESPACE]';
  const { values, positionals } = parseFlags(
    args,
    { ...COMMON_OPTIONS, 'ignore-not-found': { type: 'boolean' } } as const,
    usage,
  );
  if (values.help) {
    out.write(`${usage}\n`);
    return 0;
  }
  let refs: { kind: ResourceKind; namespace?: string; name: string }[];
  if (values.filename?.length) {
    refs = (await loadOrFail(values.filename, values.namespace, out)).map((o) => ({
      kind: o.kind,
      name: o.metadata.name,
      ...(NAMESPACED_KINDS.has(o.kind) ? { namespace: o.metadata.namespace ?? 'default' } : {}),
    }));
  } else {
    const [kindArg, ...names] = positionals;
    const kind = kindArg ? resolveKind(kindArg) : undefined;
    if (!kind || names.length === 0) throw new CliError(usage);
    refs = names.map((name) => ({
      kind,
      name,
      ...(NAMESPACED_KINDS.has(kind) ? { namespace: values.namespace ?? 'default' } : {}),
    }));
  }
  const deleted = await agentClient().delete(refs, { ignoreNotFound: values['ignore-not-found'] === true });
  for (const d of deleted) out.write(`${objectName(d)} deleted\n`);
  return 0;
}
