// Method + path pattern (`/v1/objects/:kind/:namespace/:name`) → handler, with path parameters.

export type Params = Record<string, string>;

interface Route<H> {
  method: string;
  segments: string[];
  handler: H;
}

export type RouteMatch<H> = { handler: H; params: Params } | { methodNotAllowed: string[] } | undefined;

export class Router<H> {
  private readonly routes: Route<H>[] = [];

  add(method: string, pattern: string, handler: H): void {
    const segments = split(pattern);
    const m = method.toUpperCase();
    if (this.routes.some((r) => r.method === m && r.segments.join('/') === segments.join('/'))) {
      throw new Error(`route ${m} ${pattern} is already registered`);
    }
    this.routes.push({ method: m, segments, handler });
  }

  match(method: string, path: string): RouteMatch<H> {
    const parts = split(path);
    const allowed: string[] = [];
    for (const r of this.routes) {
      const params = matchSegments(r.segments, parts);
      if (!params) continue;
      if (r.method === method.toUpperCase()) return { handler: r.handler, params };
      allowed.push(r.method);
    }
    return allowed.length > 0 ? { methodNotAllowed: allowed } : undefined;
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function matchSegments(pattern: string[], parts: string[]): Params | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Params = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    let part: string;
    try {
      part = decodeURIComponent(parts[i]!);
    } catch {
      return undefined;
    }
    if (p.startsWith(':')) params[p.slice(1)] = part;
    else if (p !== part) return undefined;
  }
  return params;
}
