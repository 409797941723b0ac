// Who may talk to the UI server: the page it served, on the address it serves (DNS rebinding and CSRF refused).
//
// Every request must name this server in `Host` (a page of another site whose name was rebound to
// 127.0.0.1 sends its own name). A request that is not GET/HEAD must also carry the page's token (a
// random value per server start, only found in the HTML this server sends) and an `Origin` that is this
// server: another site can make the browser send a POST, but cannot read the token, and cannot forge
// Origin.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_HEADER = 'x-porin-token';

export interface GuardRefusal {
  status: number;
  code: 'PORIN_ERR_FORBIDDEN';
  message: string;
}

/** The `host:port` forms a browser may send for a server bound to `address`:`port`. */
export function allowedHosts(address: string, port: number): Set<string> {
  const hosts = new Set([`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]);
  hosts.add(address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);
  return hosts;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Undefined when the request may proceed; otherwise why not. */
export function checkRequest(
  req: IncomingMessage,
  hosts: ReadonlySet<string>,
  token: string,
): GuardRefusal | undefined {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!hosts.has(host)) {
    return {
      status: 403,
      code: 'PORIN_ERR_FORBIDDEN',
      message: `unexpected Host "${host}": the Porin UI answers only as ${[...hosts].join(', ')}`,
    };
  }
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return undefined;
  const origin = req.headers.origin;
  if (!origin || origin !== `http://${host}`) {
    return {
      status: 403,
      code: 'PORIN_ERR_FORBIDDEN',
      message: `${method} refused: Origin ${origin ? `"${origin}"` : 'missing'} is not this server (http://${host})`,
    };
  }
  const given = req.headers[TOKEN_HEADER];
  if (typeof given !== 'string' || !sameToken(given, token)) {
    return {
      status: 403,
      code: 'PORIN_ERR_FORBIDDEN',
      message: `${method} refused: the page token is ${given ? 'wrong (the server restarted? reload the page)' : 'missing'}`,
    };
  }
  return undefined;
}

/** Loopback addresses only: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(address: string): boolean {
  if (address === 'localhost' || address === '::1' || address === '[::1]') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  return !!m && m.slice(1).every((x) => Number(x) <= 255);
}
