// L7 rule matching for HTTP (RE2 regexes, full match), as the proxies apply it; DNS is in l7-match-dns.ts.
import { timingSafeEqual } from 'node:crypto';
import RE2 from 're2';
import type { HeaderMatch, PortRuleHTTP } from '../resources/index.js';
import { normalizeRequestTarget } from './http-path.js';

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

/** A request as the HTTP matcher sees it (HTTP/1.1 or HTTP/2 alike). */
export interface HttpMatchRequest {
  /** `:method`. */
  readonly method: string;
  /** `:path`: the normalized path with its query string, as the upstream receives it. */
  readonly path: string;
  /** `:authority` (the Host header on HTTP/1.1), port included as sent; '' when absent. */
  readonly host: string;
  /** Header names lower-cased, in order, repeated names kept. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/** A `headerMatches` mismatch action; the proxy applies these in order, unconditionally, before forwarding. */
export interface HttpHeaderAction {
  /** LOG: nothing to do. ADD: append `value`. DELETE: remove every `name` header. REPLACE: set `name` to `value`. */
  readonly action: 'LOG' | 'ADD' | 'DELETE' | 'REPLACE';
  /** Lower-cased header name. */
  readonly name: string;
  readonly value?: string;
  /** The value came from a Secret: show it as `[redacted]`. */
  readonly secret?: boolean;
}

export interface HttpRuleMatch {
  /** Index of the first rule that allows the request; -1 for an empty rule list (no L7 rules: all allowed). */
  readonly index: number;
  /** Mismatch actions of every rule whose method/path/host/headers matched, in rule order. */
  readonly headerActions: readonly HttpHeaderAction[];
}

type Mismatch = 'FAIL' | 'LOG' | 'ADD' | 'DELETE' | 'REPLACE';

interface CompiledHeaderMatch {
  readonly name: string;
  /** Expected value; '' is a presence check. */
  readonly value: string;
  readonly mismatch: Mismatch;
  readonly secret: boolean;
  /** A secret the agent could not resolve and no inline fallback: the rule can never match (fail closed). */
  readonly dead: boolean;
}

interface CompiledHttpRule {
  readonly method?: RE2;
  readonly path?: RE2;
  readonly host?: RE2;
  /** `headers`: exact value, or presence when `value` is undefined. */
  readonly headers: ReadonlyArray<{ readonly name: string; readonly value?: string }>;
  readonly headerMatches: readonly CompiledHeaderMatch[];
  /** A regex that RE2 refused: the rule never matches. */
  readonly broken: boolean;
}

const NO_ACTIONS: readonly HttpHeaderAction[] = Object.freeze([]);
const NO_L7_RULES: HttpRuleMatch = Object.freeze({ index: -1, headerActions: NO_ACTIONS });

interface CompiledRuleList {
  readonly rules: readonly CompiledHttpRule[];
  /** No rule has `headerMatches`: the first allowing rule decides (Envoy's `can_short_circuit`). */
  readonly shortCircuit: boolean;
  /** The answer for "rule i allowed it, no actions", made once. */
  readonly plainResults: readonly HttpRuleMatch[];
}

// Compiled once per rule list: the proxy's rules are immutable snapshots from the agent's feed, so a request
// costs no regex compilation and no allocation here. Weak keys: a replaced policy's regexes go with it.
const compiled = new WeakMap<readonly PortRuleHTTP[], CompiledRuleList>();

function compileRegex(pattern: string | undefined): RE2 | undefined | null {
  if (!pattern) return undefined;
  try {
    return new RE2(`^(?:${pattern})$`);
  } catch {
    return null;
  }
}

/**
 * Cilium's `headers` strings: split at the first space; two parts are `Name: value` (trailing `:` trimmed from
 * the name, exact value), one part is a presence check (C-XLATE `getHTTPRule`).
 */
export function parseHeaderRule(h: string): { name: string; value?: string } {
  const sp = h.indexOf(' ');
  if (sp < 0) return { name: h.toLowerCase() };
  return { name: h.slice(0, sp).replace(/:+$/, '').toLowerCase(), value: h.slice(sp + 1) };
}

function compileHeaderMatch(h: HeaderMatch): CompiledHeaderMatch {
  // The agent resolves `secret` into `value` before feeding the proxy (inline `value` stays as the fallback when
  // the Secret cannot be read); a secret with no value left means "unresolvable".
  const dead = h.secret !== undefined && h.value === undefined;
  return {
    name: h.name.toLowerCase(),
    value: h.value ?? '',
    mismatch: h.mismatch ?? 'FAIL',
    secret: h.secret !== undefined,
    dead,
  };
}

function compileList(rules: readonly PortRuleHTTP[]): CompiledRuleList {
  let c = compiled.get(rules);
  if (!c) {
    const list = rules.map(compile);
    c = {
      rules: list,
      shortCircuit: list.every((r) => r.headerMatches.length === 0),
      plainResults: list.map((_, index) => Object.freeze({ index, headerActions: NO_ACTIONS })),
    };
    compiled.set(rules, c);
  }
  return c;
}

function compile(rule: PortRuleHTTP): CompiledHttpRule {
  const method = compileRegex(rule.method);
  const path = compileRegex(rule.path);
  const host = compileRegex(rule.host);
  return {
    ...(method ? { method } : {}),
    ...(path ? { path } : {}),
    ...(host ? { host } : {}),
    headers: (rule.headers ?? []).map(parseHeaderRule),
    headerMatches: (rule.headerMatches ?? []).map(compileHeaderMatch),
    broken: method === null || path === null || host === null,
  };
}

/** All values of `name` joined with ',' (Envoy's getAllOfHeaderAsString); undefined when absent. */
function headerValue(headers: ReadonlyArray<readonly [string, string]>, name: string): string | undefined {
  let out: string | undefined;
  for (const [k, v] of headers) {
    if (k !== name) continue;
    out = out === undefined ? v : `${out},${v}`;
  }
  return out;
}

function equalConstantTime(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function plainMatches(r: CompiledHttpRule, req: HttpMatchRequest, headers: HttpMatchRequest['headers']) {
  if (r.broken) return false;
  if (r.method && !r.method.test(req.method)) return false;
  if (r.path && !r.path.test(req.path)) return false;
  if (r.host && (req.host === '' || !r.host.test(req.host))) return false;
  for (const h of r.headers) {
    const v = headerValue(headers, h.name);
    if (v === undefined || (h.value !== undefined && v !== h.value)) return false;
  }
  return true;
}

/**
 * Runs one rule's `headerMatches` (cilium-envoy `HeaderMatch::allowed`): every entry runs even after one fails,
 * mismatch actions edit `work` (later rules see the edits) and are recorded. Returns whether all passed.
 */
function runHeaderMatches(
  r: CompiledHttpRule,
  work: Array<readonly [string, string]>,
  actions: HttpHeaderAction[],
): boolean {
  let accepted = true;
  for (const m of r.headerMatches) {
    if (m.dead) {
      accepted = false;
      continue;
    }
    const v = headerValue(work, m.name);
    const matches = m.value === '' ? v !== undefined : v !== undefined && equalConstantTime(v, m.value);
    if (matches) continue;
    const secret = m.secret ? { secret: true } : {};
    switch (m.mismatch) {
      case 'FAIL':
        accepted = false;
        break;
      case 'LOG':
        actions.push({ action: 'LOG', name: m.name, value: m.value, ...secret });
        break;
      case 'ADD':
        work.push([m.name, m.value]);
        actions.push({ action: 'ADD', name: m.name, value: m.value, ...secret });
        break;
      case 'DELETE':
        // Only a present header with a wrong value is removed; a failed presence check does nothing.
        if (m.value === '' || v === undefined) break;
        removeAll(work, m.name);
        actions.push({ action: 'DELETE', name: m.name });
        break;
      case 'REPLACE':
        removeAll(work, m.name);
        work.push([m.name, m.value]);
        actions.push({ action: 'REPLACE', name: m.name, value: m.value, ...secret });
        break;
    }
  }
  return accepted;
}

function removeAll(work: Array<readonly [string, string]>, name: string): void {
  for (let i = work.length - 1; i >= 0; i--) if (work[i]![0] === name) work.splice(i, 1);
}

/**
 * Cilium's HTTP rule semantics (cilium-envoy `PortNetworkPolicyRule::allowed`): rules are OR'ed; inside a rule
 * method, path and host are full-match RE2 regexes and every `headers` entry must hold. When no rule has
 * `headerMatches`, the first allowing rule wins; otherwise every rule whose plain part matches runs its header
 * matches, so all mismatch actions apply. Returns undefined when no rule allows the request.
 */
export function matchHttpRules(
  rules: readonly PortRuleHTTP[],
  req: HttpMatchRequest,
): HttpRuleMatch | undefined {
  if (rules.length === 0) return NO_L7_RULES;
  const { rules: compiledRules, shortCircuit, plainResults } = compileList(rules);
  if (shortCircuit) {
    for (let i = 0; i < compiledRules.length; i++) {
      if (plainMatches(compiledRules[i]!, req, req.headers)) return plainResults[i];
    }
    return undefined;
  }
  const work = req.headers.slice();
  const actions: HttpHeaderAction[] = [];
  let index = -1;
  for (let i = 0; i < compiledRules.length; i++) {
    const r = compiledRules[i]!;
    if (!plainMatches(r, req, work)) continue;
    if (runHeaderMatches(r, work, actions) && index < 0) index = i;
  }
  return index < 0 ? undefined : { index, headerActions: actions };
}

/** What `policy trace` asks: a request given on the command line, matched with the proxy's semantics. */
export interface HttpRequest {
  method?: string;
  path?: string;
  host?: string;
  headers?: Record<string, string>;
}

/** Index of the first matching rule, or -1. An empty rule list allows everything (index 0). */
export function matchHttp(rules: readonly PortRuleHTTP[], req: HttpRequest): number {
  if (rules.length === 0) return 0;
  const raw = req.path ?? '/';
  const m = matchHttpRules(rules, {
    method: req.method ?? 'GET',
    path: normalizeRequestTarget(raw)?.target ?? raw,
    host: req.host ?? '',
    headers: Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v] as const),
  });
  return m ? m.index : -1;
}
