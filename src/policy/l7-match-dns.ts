// DNS name matching as Cilium does it: matchName / matchPattern (pkg/fqdn/matchpattern), for DNS rules and toFQDNs.
import RE2 from 're2';
import type { PortRuleDNS } from '../resources/index.js';

/** One DNS name selector: exactly one of the two is set (validation guarantees it). */
export interface DnsNameSelector {
  readonly matchName?: string;
  readonly matchPattern?: string;
}

/** Cilium's DNS label characters; a `*` stands for any run of them (never a dot). */
const LABEL_CHAR = '[-a-zA-Z0-9_]';
/** A pattern of only stars (and one optional trailing dot): "everything". */
const MATCH_ALL_PATTERN = /^\*+\.?$/;
/** As a selector, "everything" still means a well-formed name (or the root): Cilium's `isDNSWildcard` regex. */
const ALL_NAMES = `(?:${LABEL_CHAR}+[.])+|[.]`;

/** Lower case with exactly one trailing dot: the form Cilium compares (`Example.COM` → `example.com.`). */
export function canonicalDnsName(name: string): string {
  const n = name.trim().toLowerCase();
  return n.endsWith('.') ? n : `${n}.`;
}

/** Lower case without the trailing dot, for display and cache keys (`Example.COM.` → `example.com`). */
export function normalizeDnsName(name: string): string {
  const n = name.trim().toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

export function isMatchAllPattern(pattern: string): boolean {
  return MATCH_ALL_PATTERN.test(pattern.trim());
}

/**
 * The unanchored regex source of a matchPattern, as pkg/fqdn/matchpattern builds it: lower-cased, a trailing
 * dot added; a leading `**.` is one or more whole labels (Cilium ≥ 1.19); every other run of stars is
 * `[-a-zA-Z0-9_]*`; dots are literal.
 */
export function patternSource(pattern: string): string {
  const p = canonicalDnsName(pattern);
  if (isMatchAllPattern(p)) return ALL_NAMES;
  let prefix = '';
  let rest = p;
  const multi = /^\*{2,}\./.exec(rest);
  if (multi) {
    prefix = `${LABEL_CHAR}+(?:[.]${LABEL_CHAR}+)*[.]`;
    rest = rest.slice(multi[0].length);
  }
  let body = '';
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i]!;
    if (ch === '*') {
      while (rest[i + 1] === '*') i++;
      body += `${LABEL_CHAR}*`;
    } else if (ch === '.') body += '[.]';
    else body += ch.replace(/[\\^$+?()[\]{}|/]/g, '\\$&');
  }
  return prefix + body;
}

/** The regex source of an exact matchName. */
function nameSource(name: string): string {
  return canonicalDnsName(name).replace(/[\\^$+?()[\]{}|/.*]/g, (c) => (c === '.' ? '[.]' : `\\${c}`));
}

export function selectorSource(sel: DnsNameSelector): string {
  if (sel.matchName !== undefined) return nameSource(sel.matchName);
  return patternSource(sel.matchPattern ?? '');
}

/** Compiled selectors by `n:<matchName>` / `p:<matchPattern>` as written (bounded like Cilium's regex LRU). */
const compiled = new Map<string, RE2>();
const MAX_COMPILED = 1024; // Cilium's FQDNRegexCompileLRUSize

function compiledPattern(pattern: string): RE2 {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RE2(`^(?:${patternSource(pattern)})$`);
    // Drop the oldest compiled pattern beyond the bound (a policy rarely holds that many).
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(pattern, re);
  }
  return re;
}

/** Does a toFQDNs selector (or one DNS rule) match this name? Case-insensitive; trailing dots optional. */
export function dnsSelectorMatches(sel: DnsNameSelector, name: string): boolean {
  const n = canonicalDnsName(name);
  if (sel.matchName !== undefined) return canonicalDnsName(sel.matchName) === n;
  return compiledPattern(sel.matchPattern ?? '').test(n);
}

/**
 * Index of the DNS rule that allows `query`, or -1. As Cilium's DNS proxy: an empty rule list allows every
 * name, and a rule list holding a match-all pattern allows every query, whatever its characters.
 */
export function matchDns(rules: readonly PortRuleDNS[], query: string): number {
  if (rules.length === 0) return 0;
  const all = rules.findIndex((r) => r.matchPattern !== undefined && isMatchAllPattern(r.matchPattern));
  if (all >= 0) return all;
  return rules.findIndex((r) => dnsSelectorMatches(r, query));
}

/** A stable text of a selector, as identity labels and cache listings show it (`matchPattern:*.github.com`). */
export function selectorKey(sel: DnsNameSelector): string {
  return sel.matchName !== undefined
    ? `matchName:${normalizeDnsName(sel.matchName)}`
    : `matchPattern:${normalizeDnsName(sel.matchPattern ?? '')}`;
}
