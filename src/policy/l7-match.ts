// L7 rule matching for HTTP (RE2 regexes, full match), as the proxies apply it; DNS is in l7-match-dns.ts.
import RE2 from 're2';
import type { HeaderMatch, PortRuleHTTP } from '../resources/index.js';

export interface HttpRequest {
  method?: string;
  path?: string;
  host?: string;
  headers?: Record<string, string>;
}

const regexCache = new Map<string, RE2>();

/** Compiles `pattern` anchored at both ends (Cilium's full-match semantics) on RE2. */
export function fullMatchRegex(pattern: string): RE2 {
  let re = regexCache.get(pattern);
  if (!re) {
    re = new RE2(`^(?:${pattern})$`);
    regexCache.set(pattern, re);
  }
  return re;
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function headerMatches(h: HeaderMatch, req: HttpRequest): boolean {
  // A mismatch action (LOG/ADD/DELETE/REPLACE) turns a mismatch into an action instead of a denial.
  if (h.mismatch) return true;
  const v = headerValue(req.headers, h.name);
  if (v === undefined) return false;
  return h.value === undefined || h.secret !== undefined || v === h.value;
}

export function httpRuleMatches(rule: PortRuleHTTP, req: HttpRequest): boolean {
  if (rule.method && !fullMatchRegex(rule.method).test(req.method ?? 'GET')) return false;
  if (rule.path && !fullMatchRegex(rule.path).test(req.path ?? '/')) return false;
  if (rule.host && !fullMatchRegex(rule.host).test(req.host ?? '')) return false;
  for (const h of rule.headers ?? []) {
    const colon = h.indexOf(':');
    const name = (colon >= 0 ? h.slice(0, colon) : h).trim();
    const want = colon >= 0 ? h.slice(colon + 1).trim() : undefined;
    const v = headerValue(req.headers, name);
    if (v === undefined || (want !== undefined && want !== '' && v !== want)) return false;
  }
  return (rule.headerMatches ?? []).every((h) => headerMatches(h, req));
}

/** Index of the first matching rule, or -1. An empty rule list allows everything. */
export function matchHttp(rules: readonly PortRuleHTTP[], req: HttpRequest): number {
  if (rules.length === 0) return 0;
  return rules.findIndex((r) => httpRuleMatches(r, req));
}
