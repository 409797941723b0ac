// The proxy's redirect listeners (one transparent TCP listener per parser, plus UDP for dns) and the connections they hand to handlers.
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { ListenerSpec, ListenerStatus, ParserType, WireL7Event } from './feed-protocol.js';
import type { HandlerRegistry } from './handler-registry.js';
import type {
  L7Counter,
  L7Event,
  L7Request,
  L7Verdict,
  ProxiedConnection,
  ProxiedDatagram,
  SocketAddress,
} from './l7-handler.js';
import { judgeRequest } from './l7-judge.js';
import type { OriginalDestinations } from './original-destination.js';
import type { ProxyCounters } from './proxy-counters.js';
import type { ProxyPolicy } from './proxy-policy.js';
import { connectTransparent, makeTransparent, makeTransparentUdp, markUdp } from './transparent.js';

/** What listeners need from the proxy process. */
export interface ListenerContext {
  policy(): ProxyPolicy;
  readonly handlers: HandlerRegistry;
  readonly counters: ProxyCounters;
  emit(ev: WireL7Event): void;
  /** The datapath's UDP original destinations; without them datagrams cannot be placed and are dropped. */
  readonly originals?: OriginalDestinations;
}

let nextId = 1;

/** The judge/emit/count part shared by connections and datagrams. */
class Proxied {
  readonly id = nextId++;
  private directions: ReadonlyArray<'ingress' | 'egress'> = [];
  /** Both ends' identities, looked up once per policy snapshot (not per event). */
  private identities: { policy: ProxyPolicy; src: number; dst: number } | undefined;

  constructor(
    protected readonly ctx: ListenerContext,
    readonly type: ParserType,
    readonly proxyPort: number,
    readonly source: SocketAddress,
    readonly destination: SocketAddress,
    private readonly protocol: number,
  ) {}

  judge(req: L7Request): L7Verdict {
    try {
      const r = judgeRequest(
        this.ctx.policy(),
        { source: this.source, destination: this.destination, protocol: this.protocol },
        req,
      );
      this.directions = r.directions;
      if (r.directions.length === 0) {
        // The proxy's policy has no L7 rules for this port (yet, or any more): fail closed.
        this.ctx.counters.add('no-policy');
        return { verdict: 'DROPPED', rules: [] };
      }
      return r;
    } catch {
      return { verdict: 'DROPPED', rules: [] };
    }
  }

  emit(ev: L7Event): void {
    const p = this.ctx.policy();
    if (this.identities?.policy !== p)
      this.identities = {
        policy: p,
        src: p.remote(this.source.address).identity,
        dst: p.remote(this.destination.address).identity,
      };
    this.ctx.emit({
      time: ev.time,
      parser: this.type,
      proxyPort: this.proxyPort,
      protocol: this.protocol,
      source: this.source,
      destination: this.destination,
      srcIdentity: this.identities.src,
      dstIdentity: this.identities.dst,
      directions: this.directions,
      l7: ev.l7,
      verdict: ev.verdict,
      rules: ev.rules,
      reply: ev.reply,
    });
  }

  count(what: L7Counter, n = 1): void {
    this.ctx.counters.add(what, n);
  }
}

class Connection extends Proxied implements ProxiedConnection {
  constructor(
    ctx: ListenerContext,
    type: ParserType,
    port: number,
    readonly client: Socket,
  ) {
    super(
      ctx,
      type,
      port,
      { address: client.remoteAddress ?? '', port: client.remotePort ?? 0 },
      { address: client.localAddress ?? '', port: client.localPort ?? 0 },
      6,
    );
  }

  async connectUpstream(): Promise<Socket> {
    try {
      return await connectTransparent(this.source, this.destination);
    } catch (e) {
      this.ctx.counters.add('upstream-connect-failed');
      throw e;
    }
  }
}

class Datagram extends Proxied implements ProxiedDatagram {
  constructor(
    ctx: ListenerContext,
    port: number,
    source: SocketAddress,
    destination: SocketAddress,
    readonly data: Buffer,
    private readonly socket: DgramSocket,
  ) {
    super(ctx, 'dns', port, source, destination, 17);
  }

  reply(data: Uint8Array): void {
    this.socket.send(data, this.source.port, this.source.address);
  }

  openUpstream(): Promise<DgramSocket> {
    return new Promise((resolve, reject) => {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, () => {
        try {
          markUdp(s);
        } catch (e) {
          s.close();
          reject(e);
          return;
        }
        s.connect(this.destination.port, this.destination.address, () => {
          s.off('error', reject);
          resolve(s);
        });
      });
    });
  }
}

interface Open {
  spec: ListenerSpec;
  server: Server;
  udp?: DgramSocket;
  error?: string;
}

export class RedirectListeners {
  private readonly open = new Map<number, Open>();

  constructor(private readonly ctx: ListenerContext) {}

  /** Opens missing listeners, closes ones no longer wanted (their connections stay). */
  async reconcile(specs: readonly ListenerSpec[]): Promise<ListenerStatus[]> {
    const want = new Map(specs.map((s) => [s.port, s]));
    for (const [port, o] of this.open) {
      if (want.get(port)?.type === o.spec.type && !o.error) continue;
      this.closeOne(o);
      this.open.delete(port);
    }
    for (const spec of specs)
      if (!this.open.has(spec.port)) this.open.set(spec.port, await this.openOne(spec));
    return this.status();
  }

  status(): ListenerStatus[] {
    return [...this.open.values()].map((o) => {
      const h = this.ctx.handlers.get(o.spec.type);
      return {
        ...o.spec,
        open: !o.error,
        handler: h.stream !== undefined && (o.spec.type !== 'dns' || h.datagram !== undefined),
        ...(o.spec.type === 'dns' ? { udp: o.udp !== undefined } : {}),
        ...(o.error ? { error: o.error } : {}),
      };
    });
  }

  close(): void {
    for (const o of this.open.values()) this.closeOne(o);
    this.open.clear();
  }

  private closeOne(o: Open): void {
    o.server.close();
    o.udp?.close();
  }

  private async openOne(spec: ListenerSpec): Promise<Open> {
    // No Nagle: a handler writes a head and a body apart, and Nagle + delayed ACKs would stall each for 40 ms.
    const server = createServer({ noDelay: true }, (s) => this.accept(spec, s));
    const o: Open = { spec, server };
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: spec.port, host: '0.0.0.0', exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      makeTransparent(server);
      if (spec.type === 'dns') o.udp = await this.openUdp(spec);
    } catch (e) {
      o.error = (e as Error).message;
    }
    return o;
  }

  private openUdp(spec: ListenerSpec): Promise<DgramSocket> {
    return new Promise((resolve, reject) => {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.on('message', (msg, rinfo) =>
        this.datagram(spec, s, msg, { address: rinfo.address, port: rinfo.port }),
      );
      s.bind(spec.port, '0.0.0.0', () => {
        s.off('error', reject);
        s.on('error', () => this.ctx.counters.add('handler-error'));
        try {
          makeTransparentUdp(s);
          resolve(s);
        } catch (e) {
          s.close();
          reject(e);
        }
      });
    });
  }

  private accept(spec: ListenerSpec, client: Socket): void {
    const counters = this.ctx.counters;
    counters.add('connections');
    client.on('error', () => {});
    if (client.localPort === spec.port) {
      // Straight to the proxy's port, not redirected: there is no original destination to judge or reach.
      counters.add('not-redirected');
      client.destroy();
      return;
    }
    const handler = this.ctx.handlers.get(spec.type).stream;
    if (!handler) {
      counters.add('no-handler');
      client.destroy();
      return;
    }
    counters.openConnections++;
    client.once('close', () => counters.openConnections--);
    try {
      handler(new Connection(this.ctx, spec.type, spec.port, client));
    } catch {
      counters.add('handler-error');
      client.destroy();
    }
  }

  private datagram(spec: ListenerSpec, socket: DgramSocket, msg: Buffer, source: SocketAddress): void {
    const counters = this.ctx.counters;
    counters.add('datagrams');
    const destination = this.ctx.originals?.originalDestination(source, spec.port);
    if (!destination) {
      counters.add('not-redirected');
      return;
    }
    const handler = this.ctx.handlers.get(spec.type).datagram;
    if (!handler) {
      counters.add('no-handler');
      return;
    }
    try {
      handler(new Datagram(this.ctx, spec.port, source, destination, msg, socket));
    } catch {
      counters.add('handler-error');
    }
  }
}
