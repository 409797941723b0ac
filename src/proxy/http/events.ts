// L7 flow events of one HTTP exchange: Hubble's REQUEST and RESPONSE records, with the verdict and its rules.
import type { HTTP, HTTPHeader } from '../../flow/flow.js';
import type { HeaderAction, L7Event, L7RuleRef, L7Verdict } from '../l7-handler.js';
import type { HeaderPair } from './headers.js';

export type HttpProtocol = 'HTTP/1' | 'HTTP/1.1' | 'HTTP/2';

/** What one request's events share. Kept on the exchange so the response event needs no second lookup. */
export interface ExchangeInfo {
  readonly method: string;
  /** `http://host/path?query`, as Cilium builds Hubble's url. */
  readonly url: string;
  readonly protocol: HttpProtocol;
  /** process.hrtime.bigint() when the request's headers were complete. */
  readonly start: bigint;
  verdict: L7Verdict['verdict'];
  rules: readonly L7RuleRef[];
}

const REDACTED = '[redacted]';

function headerList(pairs: readonly HeaderPair[], secretNames?: ReadonlySet<string>): HTTPHeader[] {
  const out: HTTPHeader[] = new Array(pairs.length);
  for (let i = 0; i < pairs.length; i++) {
    const [key, value] = pairs[i]!;
    out[i] = { key, value: secretNames?.has(key) ? REDACTED : value };
  }
  return out;
}

/** Names whose values came from a Secret (the matcher marks such actions); their values never reach flows. */
export function secretHeaderNames(actions: readonly HeaderAction[] | undefined): Set<string> | undefined {
  let out: Set<string> | undefined;
  for (const a of actions ?? []) {
    if (!a.secret) continue;
    out ??= new Set();
    out.add(a.name.toLowerCase());
  }
  return out;
}

export function requestEvent(
  x: ExchangeInfo,
  headers: readonly HeaderPair[],
  secrets?: ReadonlySet<string>,
): L7Event {
  const http: HTTP = {
    method: x.method,
    url: x.url,
    protocol: x.protocol,
    headers: headerList(headers, secrets),
  };
  return {
    l7: { type: 'REQUEST', http },
    verdict: x.verdict,
    rules: x.rules,
    time: Date.now(),
    reply: false,
  };
}

/** The response to `x` (forwarded, or the proxy's own 403/503); Cilium logs every response as forwarded. */
export function responseEvent(x: ExchangeInfo, code: number, headers: readonly HeaderPair[]): L7Event {
  const http: HTTP = {
    code,
    method: x.method,
    url: x.url,
    protocol: x.protocol,
    headers: headerList(headers),
  };
  const latency = process.hrtime.bigint() - x.start;
  return {
    l7: { type: 'RESPONSE', latency_ns: latency.toString(), http },
    verdict: 'FORWARDED',
    rules: x.rules,
    time: Date.now(),
    reply: true,
  };
}
