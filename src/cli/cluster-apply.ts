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
  Event: 'event',
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

/**
 * Applies objects and returns the store revision that holds them all (0 when nothing changed), for
 * `waitEnforced`.
 */
export async function applyObjects(objects: Resource[], out: Out): Promise<number> {
  if (objects.length === 0) return 0;
  // Status belongs to the cluster (as with the apiserver's status subresource): a manifest's is dropped.
  const res = await agentClient().apply(
    objects.map((o) => {
      const { status: _status, ...rest } = o as Resource & { status?: unknown };
      return rest as Resource;
    }),
  );
  for (const r of res.results) out.write(`${objectName(r.object)} ${r.result}\n`);
  return Math.max(
    0,
    ...res.results
      .filter((r) => r.result !== 'unchanged')
      .map((r) => Number(r.object.metadata.resourceVersion ?? 0)),
  );
}

interface RevisionAnswer {
  revision: number;
  failures: { key: string; error: string; revision: number; cause: string }[];
}

/**
 * The revision barrier: waits until the agent says the kernel holds every change up to `revision`.
 * Returns an error message when a change failed to reach the kernel or the timeout passed; the objects
 * stay applied either way (as with kubectl, apply is not rolled back), so the message says what to do.
 */
export async function waitEnforced(revision: number, timeoutMs: number): Promise<string | undefined> {
  if (revision <= 0) return undefined;
  const client = agentClient();
  const deadline = Date.now() + timeoutMs;
  let last: RevisionAnswer | undefined;
  for (;;) {
    last = await client.request<RevisionAnswer>('GET', '/v1/policy/revision');
    if (last.revision >= revision) return undefined;
    const failed = last.failures.filter((f) => f.revision <= revision);
    if (failed.length > 0)
      return `applied, but not enforced: ${failed.map((f) => `${f.key}: ${f.error} (after ${f.cause})`).join('; ')} (see \`porin status\` and \`porin get events\`)`;
    if (Date.now() > deadline)
      return `applied, but not yet enforced after ${Math.round(timeoutMs / 1000)}s: the kernel holds revision ${last.revision} of ${revision} (see \`porin status\`)`;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `--wait[=true|false]` (kubectl style) and `--timeout SECONDS`. */
export const WAIT_OPTIONS = {
  wait: { type: 'string' },
  timeout: { type: 'string' },
} as const;

export function waitSettings(values: { wait?: string; timeout?: string }, defaultTimeoutS: number) {
  const wait = values.wait === undefined || values.wait === '' || values.wait === 'true';
  if (values.wait !== undefined && !['', 'true', 'false'].includes(values.wait))
    throw new CliError(`--wait=${values.wait}: use --wait=true or --wait=false`);
  const t = values.timeout === undefined ? defaultTimeoutS : Number(values.timeout);
  if (!Number.isFinite(t) || t <= 0)
    throw new CliError(`--timeout ${values.timeout}: use a number of seconds`);
  return { wait, timeoutMs: t * 1000 };
}

/** parseArgs wants a value for string options: a bare `--wait` means `--wait=true`. */
export function bareWait(args: string[]): string[] {
  return args.map((a) => (a === '--wait' ? '--wait=true' : a));
}

export async function clusterApply(args: string[], out: Out): Promise<number> {
  const usage =
    'usage: porin apply -f FILE|DIR|- [-f …] [-n NAMESPACE] [--wait=true|false] [--timeout SECONDS (30)]\n' +
    '  waits until the kernel enforces the change (the policy revision barrier) unless --wait=false';
  const { values } = parseFlags(bareWait(args), { ...COMMON_OPTIONS, ...WAIT_OPTIONS }, usage);
  if (values.help || !values.filename?.length) {
    out.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  const { wait, timeoutMs } = waitSettings(values, 30);
  const revision = await applyObjects(await loadOrFail(values.filename, values.namespace, out), out);
  if (!wait) return 0;
  const problem = await waitEnforced(revision, timeoutMs);
  if (problem) {
    out.write(`${paint(out, 'red', 'error:')} ${problem}\n`);
    return 1;
  }
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
