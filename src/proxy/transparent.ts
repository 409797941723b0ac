// Transparent sockets for the proxy: IP_TRANSPARENT + the proxy's mark on listeners, upstream connections from the client's address.
import type { Socket as DgramSocket } from 'node:dgram';
import { type Server, Socket } from 'node:net';
import { setSocketMark, setTransparent, transparentConnect } from '../datapath/libbpf.js';
import { PROXY_MARK_FROM_PROXY } from '../datapath/maps/proxy.js';
import type { SocketAddress } from './l7-handler.js';

const fdOf = (handle: unknown): number => {
  const fd = (handle as { fd?: number } | undefined)?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('socket has no file descriptor');
  return fd;
};

/** A listening TCP server: accepts connections the datapath assigns to it, and marks what it sends. */
export function makeTransparent(server: Server): void {
  const fd = fdOf((server as unknown as { _handle: unknown })._handle);
  setTransparent(fd);
  setSocketMark(fd, PROXY_MARK_FROM_PROXY);
}

/** A bound UDP socket: the same (its fd lives behind dgram's internal state symbol). */
export function makeTransparentUdp(socket: DgramSocket): void {
  markUdp(socket);
  const fd = udpFd(socket);
  setTransparent(fd);
}

function udpFd(socket: DgramSocket): number {
  const sym = Object.getOwnPropertySymbols(socket).find((s) => String(s) === 'Symbol(state symbol)');
  const state = sym ? (socket as unknown as Record<symbol, { handle?: unknown }>)[sym] : undefined;
  return fdOf(state?.handle);
}

/** SO_MARK on a bound UDP socket: the datapath neither redirects nor enforces its datagrams again. */
export function markUdp(socket: DgramSocket): void {
  setSocketMark(udpFd(socket), PROXY_MARK_FROM_PROXY);
}

/**
 * Connects to `destination` from the client's own address (the server sees the real client), with the
 * proxy's mark. The socket is connected when the promise resolves.
 */
export async function connectTransparent(
  client: SocketAddress,
  destination: SocketAddress,
  timeoutMs = 10_000,
): Promise<Socket> {
  const fd = await transparentConnect({
    local: { address: client.address, port: 0 },
    remote: destination,
    mark: PROXY_MARK_FROM_PROXY,
    timeoutMs,
  });
  return new Socket({ fd, readable: true, writable: true }).setNoDelay(true);
}
