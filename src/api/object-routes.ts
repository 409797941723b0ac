// Object routes: list, get, apply (validated, all or nothing) and delete, over an ObjectStore.

import { isNamespacedKind, type ObjectRef, type ObjectStore } from '../cluster/store/index.js';
import {
  type Resource,
  type ResourceKind,
  type Service,
  SUPPORTED_KINDS,
  serviceClashes,
  validateResource,
} from '../resources/index.js';
import { ApiError } from './api-error.js';
import {
  type ApplyResponse,
  CLUSTER_SCOPE,
  type DeleteResponse,
  type IssueJson,
  type ListResponse,
} from './api-types.js';
import { resolveKind } from './kind-names.js';
import type { RouteTable } from './route-handler.js';

export function registerObjectRoutes(server: RouteTable, store: ObjectStore): void {
  server.route('GET', '/v1/objects', async (req): Promise<ListResponse> => {
    const kindParam = req.query.get('kind');
    const namespace = req.query.get('namespace') || undefined;
    if (kindParam) return store.list(kindFrom(kindParam), namespace);
    // Every kind: the smallest resourceVersion, so a watch from it misses nothing.
    const lists = await Promise.all(
      Object.keys(SUPPORTED_KINDS).map((k) => store.list(k as ResourceKind, namespace)),
    );
    const resourceVersion = String(Math.min(...lists.map((l) => Number(l.resourceVersion))));
    return { items: lists.flatMap((l) => l.items), resourceVersion };
  });

  server.route('GET', '/v1/objects/:kind/:namespace/:name', async (req): Promise<Resource> => {
    const kind = kindFrom(req.params.kind!);
    const namespace = req.params.namespace === CLUSTER_SCOPE ? undefined : req.params.namespace;
    const object = await store.get(kind, namespace, req.params.name!);
    if (!object) {
      const where = isNamespacedKind(kind) ? `${namespace ?? 'default'}/${req.params.name}` : req.params.name;
      throw new ApiError('PORIN_ERR_NOT_FOUND', `${kind} ${where} not found`, 404);
    }
    return object;
  });

  server.route('POST', '/v1/apply', async (req): Promise<ApplyResponse> => {
    const body = (await req.json()) as { objects?: unknown; namespace?: unknown };
    if (!body || typeof body !== 'object' || !Array.isArray(body.objects)) {
      throw new ApiError('PORIN_ERR_BAD_REQUEST', 'the body must be {"objects": [...]}', 400);
    }
    const namespace = typeof body.namespace === 'string' && body.namespace ? body.namespace : 'default';
    const { objects, errors, warnings } = validateBatch(body.objects, namespace);
    if (errors.length === 0) errors.push(...(await clashes(store, objects)));
    if (errors.length > 0) {
      const first = errors[0]!;
      const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
      throw new ApiError('PORIN_ERR_INVALID', `nothing applied: ${describeIssue(first)}${more}`, 422, {
        issues: errors,
      });
    }
    return { results: await store.apply(objects), warnings };
  });

  server.route('POST', '/v1/delete', async (req): Promise<DeleteResponse> => {
    const body = (await req.json()) as { refs?: unknown; ignoreNotFound?: unknown };
    if (!body || typeof body !== 'object' || !Array.isArray(body.refs)) {
      throw new ApiError(
        'PORIN_ERR_BAD_REQUEST',
        'the body must be {"refs": [{"kind", "namespace", "name"}]}',
        400,
      );
    }
    const refs = body.refs.map((r, i) => refFrom(r, i));
    return { deleted: await store.delete(refs, { ignoreNotFound: body.ignoreNotFound === true }) };
  });
}

export function kindFrom(name: string): ResourceKind {
  const kind = resolveKind(name);
  if (!kind) {
    throw new ApiError(
      'PORIN_ERR_BAD_REQUEST',
      `unknown kind ${JSON.stringify(name)} (known: ${Object.keys(SUPPORTED_KINDS).join(', ')})`,
      400,
    );
  }
  return kind;
}

function refFrom(raw: unknown, index: number): ObjectRef {
  const r = (raw ?? {}) as Record<string, unknown>;
  if (typeof r.kind !== 'string' || typeof r.name !== 'string' || !r.name) {
    throw new ApiError('PORIN_ERR_BAD_REQUEST', `refs[${index}]: kind and name are required`, 400);
  }
  const ref: ObjectRef = { kind: kindFrom(r.kind), name: r.name };
  if (typeof r.namespace === 'string' && r.namespace && r.namespace !== CLUSTER_SCOPE)
    ref.namespace = r.namespace;
  return ref;
}

/**
 * Validates every object as a manifest would be. Objects with `generateName` and no name are
 * checked under a stand-in name (manifests need names; API callers may let the store pick one).
 */
function validateBatch(
  raw: unknown[],
  namespace: string,
): { objects: Resource[]; errors: IssueJson[]; warnings: IssueJson[] } {
  const objects: Resource[] = [];
  const errors: IssueJson[] = [];
  const warnings: IssueJson[] = [];
  raw.forEach((value, i) => {
    const generated = generatedName(value);
    const input = generated
      ? { ...(value as object), metadata: { ...generated.metadata, name: generated.standIn } }
      : value;
    const r = validateResource(input, {
      source: { file: 'request', document: i + 1 },
      namespace,
      pathPrefix: `objects[${i}]`,
    });
    const issues = r.issues.map((issue) => issue.toJSON() as unknown as IssueJson);
    if (!r.object && issues.every((x) => x.severity !== 'error')) {
      // A kind Porin does not store: validation only warns that it is ignored; apply refuses it.
      const kind = (value as { kind?: unknown }).kind;
      errors.push({
        severity: 'error',
        file: 'request',
        document: i + 1,
        path: `objects[${i}].kind`,
        message: `Porin does not store kind ${kind}`,
      });
      return;
    }
    for (const issue of issues) (issue.severity === 'error' ? errors : warnings).push(issue);
    if (!r.object) return;
    if (generated) r.object.metadata.name = '';
    objects.push(r.object);
  });
  return { objects, errors, warnings };
}

/** Services of the batch against each other and the stored ones: node ports and external IPs. */
async function clashes(store: ObjectStore, objects: Resource[]): Promise<IssueJson[]> {
  const batch = objects.filter((o): o is Service => o.kind === 'Service');
  if (batch.length === 0) return [];
  const stored = (await store.list('Service')).items as Service[];
  const key = (s: Service) => `${s.metadata.namespace ?? 'default'}/${s.metadata.name}`;
  const out: IssueJson[] = [];
  batch.forEach((svc) => {
    const i = objects.indexOf(svc);
    const others = [
      ...stored.filter((s) => !batch.some((b) => key(b) === key(s))),
      ...batch.slice(0, batch.indexOf(svc)),
    ];
    for (const c of serviceClashes(svc, others))
      out.push({
        severity: 'error',
        file: 'request',
        document: i + 1,
        object: `Service ${key(svc)}`,
        path: `objects[${i}].${c.path}`,
        message: c.message,
      });
  });
  return out;
}

function generatedName(value: unknown): { metadata: Record<string, unknown>; standIn: string } | undefined {
  const metadata = (value as { metadata?: unknown } | null)?.metadata;
  if (!metadata || typeof metadata !== 'object') return undefined;
  const m = metadata as Record<string, unknown>;
  if (m.name || typeof m.generateName !== 'string' || !m.generateName) return undefined;
  return { metadata: m, standIn: `${m.generateName}xxxxx` };
}

function describeIssue(i: IssueJson): string {
  const where = i.path ? `${i.path}: ` : '';
  return `${where}${i.message}${i.object ? ` (${i.object})` : ''}`;
}
