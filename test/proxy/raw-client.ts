// A raw TCP client for proxy tests: send exact bytes, collect what comes back, and whether the proxy closed.
import net from 'node:net';

export interface RawResult {
  /** Everything received, latin1-decoded. */
  readonly data: string;
  /** The proxy closed the connection (FIN or reset) before `waitMs` ran out. */
  readonly closed: boolean;
}

export interface RawOptions {
  /** Stop waiting after this long (default 2000 ms). */
  readonly waitMs?: number;
  /** Stop as soon as the received text matches (the connection is then left open and destroyed). */
  readonly until?: RegExp;
  /** Pieces sent one by one with this pause between them (a slow client). */
  readonly pieceDelayMs?: number;
  /** Half-close (FIN) after the last piece. */
  readonly endAfterWrite?: boolean;
}

export function rawExchange(
  port: number,
  payload: string | Buffer | Array<string | Buffer>,
  o: RawOptions = {},
) {
  const pieces = Array.isArray(payload) ? payload : [payload];
  return new Promise<RawResult>((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let data = '';
    let finished = false;
    const finish = (closed: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ data, closed });
    };
    const timer = setTimeout(() => finish(false), o.waitMs ?? 2000);
    sock.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      if (o.until?.test(data)) finish(false);
    });
    sock.on('end', () => finish(true));
    sock.on('close', () => finish(true));
    sock.on('error', () => finish(true));
    sock.once('connect', async () => {
      for (let i = 0; i < pieces.length; i++) {
        if (sock.destroyed) return;
        sock.write(pieces[i]!);
        if (o.pieceDelayMs && i < pieces.length - 1) await new Promise((r) => setTimeout(r, o.pieceDelayMs));
      }
      if (o.endAfterWrite) sock.end();
    });
  });
}

/** Status codes of the HTTP/1.x responses in `data`, in order. */
export function statuses(data: string): number[] {
  return [...data.matchAll(/HTTP\/1\.[01] (\d{3}) [^\r\n]*\r\n/g)].map((m) => Number(m[1]));
}
