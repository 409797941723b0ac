// A ProxiedConnection for tests without a datapath: a loopback listener stands in for the transparent redirect,
// connectUpstream() dials a real local server, and judge() applies real HTTP rules through the policy matcher.
import net, { type Socket } from 'node:net';
import { matchHttpRules } from '../../src/policy/l7-match.js';
import type {
  L7Counter,
  L7Event,
  L7Handler,
  L7Request,
  L7Verdict,
  ProxiedConnection,
  SocketAddress,
} from '../../src/proxy/l7-handler.js';
import type { PortRuleHTTP } from '../../src/resources/index.js';

export const TEST_POLICY = 'CiliumNetworkPolicy default/l7-test';

export interface FakeProxyOptions {
  /** The upstream the redirected connections were headed for. */
  readonly upstream: SocketAddress;
  /** HTTP rules of the ingress policy; undefined = an L4-only allow (every request passes, no rule). */
  rules?: readonly PortRuleHTTP[];
  /** Audit mode: a denial is reported as AUDIT and the request forwarded. */
  audit?: boolean;
  /** Keep emitted events in `events` (default true; a benchmark only counts them). */
  recordEvents?: boolean;
}

/** The contract's judge() for one ingress policy: Cilium's HTTP semantics, the matched rule named. */
export function judgeWith(o: FakeProxyOptions, req: L7Request): L7Verdict {
  if (req.type !== 'http')
    return { verdict: 'DROPPED', rules: [{ direction: 'ingress', policy: TEST_POLICY }] };
  if (o.rules === undefined)
    return { verdict: 'FORWARDED', rules: [{ direction: 'ingress', policy: TEST_POLICY }] };
  const m = matchHttpRules(o.rules, req);
  if (!m) {
    return {
      verdict: o.audit ? 'AUDIT' : 'DROPPED',
      rules: [{ direction: 'ingress', policy: TEST_POLICY }],
    };
  }
  return {
    verdict: 'FORWARDED',
    rules: [
      {
        direction: 'ingress',
        policy: TEST_POLICY,
        rule: `spec.ingress[0].toPorts[0].rules.http[${m.index}]`,
      },
    ],
    headerActions: m.headerActions,
  };
}

/** A listener whose accepted sockets go to `handler` as ProxiedConnections; records events and counters. */
export class FakeProxy {
  readonly events: L7Event[] = [];
  emitted = 0;
  readonly counters = new Map<L7Counter, number>();
  readonly upstreamDials: Socket[] = [];
  private readonly server: net.Server;
  private readonly clients = new Set<Socket>();
  private nextId = 1;

  constructor(
    private readonly handler: L7Handler,
    readonly options: FakeProxyOptions,
  ) {
    this.server = net.createServer({ allowHalfOpen: true }, (client) => this.accept(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  count(what: L7Counter): number {
    return this.counters.get(what) ?? 0;
  }

  private accept(client: Socket): void {
    this.clients.add(client);
    client.once('close', () => this.clients.delete(client));
    const o = this.options;
    const conn: ProxiedConnection = {
      id: this.nextId++,
      source: { address: client.remoteAddress ?? '', port: client.remotePort ?? 0 },
      destination: o.upstream,
      client,
      connectUpstream: () =>
        new Promise<Socket>((resolve, reject) => {
          const s = net.connect({ host: o.upstream.address, port: o.upstream.port });
          this.upstreamDials.push(s);
          s.once('connect', () => {
            s.removeListener('error', reject);
            resolve(s);
          });
          s.once('error', reject);
        }),
      judge: (req) => judgeWith(o, req),
      emit: (ev) => {
        this.emitted++;
        if (o.recordEvents !== false) this.events.push(ev);
      },
      count: (what, n = 1) => {
        this.counters.set(what, (this.counters.get(what) ?? 0) + n);
      },
    };
    this.handler(conn);
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.destroy();
    for (const s of this.upstreamDials) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
