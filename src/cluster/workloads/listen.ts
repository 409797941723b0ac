// Binding helpers for the workloads: a TCP (HTTP) server or a UDP socket, with errors that name the port.
import dgram from 'node:dgram';
import type http from 'node:http';
import net from 'node:net';
import type { Listener } from './running-workload.js';
import { WorkloadError } from './workload-error.js';

export function listenHttp(server: http.Server, address: string, port: number): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) =>
      reject(
        new WorkloadError(
          'PORIN_ERR_WORKLOAD_LISTEN',
          `cannot listen on TCP ${address}:${port}: ${err.message}`,
          { cause: err },
        ),
      );
    server.once('error', onError);
    server.listen({ host: address, port }, () => {
      server.off('error', onError);
      const a = server.address() as net.AddressInfo;
      resolve({ proto: 'tcp', address: a.address, port: a.port });
    });
  });
}

export function bindUdp(
  address: string,
  port: number,
): Promise<{ socket: dgram.Socket; listener: Listener }> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: net.isIPv6(address) ? 'udp6' : 'udp4' });
    const onError = (err: Error) => {
      socket.close();
      reject(
        new WorkloadError('PORIN_ERR_WORKLOAD_LISTEN', `cannot bind UDP ${address}:${port}: ${err.message}`, {
          cause: err,
        }),
      );
    };
    socket.once('error', onError);
    socket.bind({ address, port }, () => {
      socket.off('error', onError);
      const a = socket.address();
      resolve({ socket, listener: { proto: 'udp', address: a.address, port: a.port } });
    });
  });
}

/** Closes an HTTP server and every connection it still holds (keep-alive ones included). */
export function closeHttp(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export function closeUdp(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}
