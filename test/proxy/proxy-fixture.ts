// Test setup for the HTTP handler: a real upstream, the handler behind a FakeProxy, and curl run asynchronously.
import { execFile } from 'node:child_process';
import { createHttpHandler, type HttpHandler, type HttpProxyOptions } from '../../src/proxy/http/index.js';
import type { L7Event } from '../../src/proxy/l7-handler.js';
import type { PortRuleHTTP } from '../../src/resources/index.js';
import { FakeProxy } from './fake-proxied-connection.js';
import { startH2Echo, startHttpEcho, type Upstream } from './upstreams.js';

export interface ProxyFixture {
  readonly proxy: FakeProxy;
  readonly up: Upstream;
  readonly handler: HttpHandler;
  /** The proxy's listening port (what clients dial, as if it were the server's). */
  readonly port: number;
  readonly url: (path: string) => string;
  close(): Promise<void>;
}

export interface FixtureOptions {
  /** 'h1' (default) or 'h2' echo upstream, or one already started (closed with the fixture). */
  readonly upstream?: 'h1' | 'h2' | Upstream;
  /** An upstream port with nothing listening (connections are refused). */
  readonly deadUpstream?: number;
  readonly options?: Partial<HttpProxyOptions>;
  readonly audit?: boolean;
}

export async function startProxy(rules: readonly PortRuleHTTP[] | undefined, o: FixtureOptions = {}) {
  const up =
    typeof o.upstream === 'object'
      ? o.upstream
      : o.upstream === 'h2'
        ? await startH2Echo()
        : await startHttpEcho();
  const handler = createHttpHandler(o.options);
  const proxy = new FakeProxy(handler.handle, {
    upstream: { address: '127.0.0.1', port: o.deadUpstream ?? up.port },
    ...(rules ? { rules } : {}),
    ...(o.audit ? { audit: true } : {}),
  });
  const port = await proxy.listen();
  const f: ProxyFixture = {
    proxy,
    up,
    handler,
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    async close() {
      await proxy.close();
      handler.close();
      await up.close();
    },
  };
  return f;
}

export interface CurlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs curl without blocking the event loop (the proxy under test lives in this process). */
export function curl(args: readonly string[]): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '10', ...args], { encoding: 'latin1' }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

/** The REQUEST/RESPONSE events, in order, as `TYPE verdict code method url`. */
export function eventLines(events: readonly L7Event[]): string[] {
  return events.map((e) =>
    [e.l7.type, e.verdict, e.l7.http?.code ?? '-', e.l7.http?.method, e.l7.http?.url].join(' '),
  );
}

/** Waits until `cond()` holds (polling), failing after `ms`. */
export async function waitFor(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
