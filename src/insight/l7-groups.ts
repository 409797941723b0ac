// L7 request groups for map edges: HTTP method + path with id-like segments folded (`GET /v1/ships/:id`), DNS names, Kafka topics.

const ID_SEGMENT =
  /^(\d+|[0-9a-f]{8,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Za-z0-9_-]{24,})$/i;

/** `/v1/ships/42/crew` → `/v1/ships/:id/crew`; query strings are already gone (paths come decoded). */
export function pathGroup(path: string): string {
  if (path === '' || path === '/') return '/';
  return path
    .split('/')
    .map((seg) => (seg !== '' && ID_SEGMENT.test(seg) ? ':id' : seg))
    .join('/');
}

/** `api.example.com.` → `*.example.com` (one label folded when there are three or more). */
export function dnsGroup(query: string): string {
  const name = query.endsWith('.') ? query.slice(0, -1) : query;
  const parts = name.split('.');
  if (parts.length < 3) return name;
  return `*.${parts.slice(1).join('.')}`;
}

export function l7Label(t: {
  protocol: string;
  method?: string;
  path?: string;
  query?: string;
  topic?: string;
}): string {
  if (t.protocol === 'http') return `${t.method ?? '?'} ${pathGroup(t.path ?? '/')}`;
  if (t.protocol === 'dns') return `DNS ${dnsGroup(t.query ?? '')}`;
  return `Kafka ${t.topic ?? '?'}`;
}
