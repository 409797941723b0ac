// One client connection's way upstream on HTTP/2: a prior-knowledge h2c session dialled through the core, lazily.
import http2, { type ClientHttp2Session } from 'node:http2';
import type { ProxiedConnection } from '../l7-handler.js';

function ignore(): void {}

/**
 * The upstream session of one downstream HTTP/2 connection (Cilium's clusters use the downstream protocol
 * upstream). Opened at the first allowed stream, reopened after the server closed it.
 */
export class Http2Upstream {
  private session: ClientHttp2Session | undefined;
  private pending: Promise<ClientHttp2Session> | undefined;
  private closed = false;

  constructor(private readonly conn: ProxiedConnection) {}

  /** A usable session, or undefined when one must be dialled (use `connect()`). */
  ready(): ClientHttp2Session | undefined {
    const s = this.session;
    return s && !s.closed && !s.destroyed ? s : undefined;
  }

  connect(): Promise<ClientHttp2Session> {
    this.pending ??= this.dial().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async dial(): Promise<ClientHttp2Session> {
    if (this.closed) throw new Error('client connection closed');
    const socket = (await this.conn.connectUpstream()).setNoDelay(true);
    if (this.closed) {
      socket.destroy();
      throw new Error('client connection closed');
    }
    const d = this.conn.destination;
    const host = d.address.includes(':') ? `[${d.address}]` : d.address;
    const session = http2.connect(`http://${host}:${d.port}`, {
      createConnection: () => socket,
      settings: { enablePush: false },
      maxHeaderListPairs: 4096,
    });
    session.on('error', ignore); // its streams fail and are counted one by one
    session.on('goaway', () => {
      if (this.session === session) this.session = undefined;
    });
    session.on('close', () => {
      if (this.session === session) this.session = undefined;
    });
    this.session = session;
    return session;
  }

  close(): void {
    this.closed = true;
    this.session?.destroy();
    this.session = undefined;
  }
}
