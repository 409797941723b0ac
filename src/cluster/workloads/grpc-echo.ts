// The `grpc-echo` workload: a real gRPC server (grpc-js) with grpc.health.v1 and porin.echo.v1.Echo.
import * as grpc from '@grpc/grpc-js';
import { ECHO_SERVICE, grpcEchoPackageDefinition, HEALTH_SERVICE } from './grpc-protos.js';
import { type PodIdentity, plainAddress, type RunningWorkload } from './running-workload.js';
import { WorkloadError } from './workload-error.js';

export interface GrpcEchoOptions {
  /** Default 50051; 0 picks a free port. */
  readonly port?: number;
  /** Default `0.0.0.0`. */
  readonly bind?: string;
  readonly pod: PodIdentity;
}

interface EchoRequest {
  message: string;
  failWithCode: number;
}
interface EchoStreamRequest {
  message: string;
  count: number;
  intervalMs: number;
}
interface EchoResponse {
  message: string;
  pod: string;
  namespace: string;
  peer: string;
  sequence: number;
}

const MAX_STREAM = 10_000;
const MAX_INTERVAL_MS = 60_000;

/** `ipv4:10.0.0.1:3456` / `ipv6:[::1]:80` (grpc-js peer strings) → `10.0.0.1:3456`. */
function peerOf(call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>) {
  const p = call.getPeer().replace(/^ipv[46]:/, '');
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(p);
  return m ? `${plainAddress(m[1])}:${m[2]}` : p;
}

function serviceOf(def: grpc.GrpcObject, name: string): grpc.ServiceDefinition {
  let node: unknown = def;
  for (const part of name.split('.')) node = (node as Record<string, unknown>)[part];
  return (node as { service: grpc.ServiceDefinition }).service;
}

/** Starts the server; resolves once it listens. Health says SERVING for "" and the echo service. */
export async function startGrpcEcho(o: GrpcEchoOptions): Promise<RunningWorkload> {
  const def = grpc.loadPackageDefinition(grpcEchoPackageDefinition());
  const server = new grpc.Server();
  const reply = (message: string, peer: string, sequence: number): EchoResponse => ({
    message,
    pod: o.pod.name,
    namespace: o.pod.namespace,
    peer,
    sequence,
  });
  const watchers = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  const known = new Set(['', ECHO_SERVICE, HEALTH_SERVICE]);
  server.addService(serviceOf(def, HEALTH_SERVICE), {
    check(call: grpc.ServerUnaryCall<{ service: string }, unknown>, cb: grpc.sendUnaryData<unknown>) {
      if (!known.has(call.request.service)) cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
      else cb(null, { status: 'SERVING' });
    },
    watch(call: grpc.ServerWritableStream<{ service: string }, unknown>) {
      call.write({ status: known.has(call.request.service) ? 'SERVING' : 'SERVICE_UNKNOWN' });
      watchers.add(call);
      call.on('cancelled', () => watchers.delete(call));
    },
  });
  server.addService(serviceOf(def, ECHO_SERVICE), {
    echo(call: grpc.ServerUnaryCall<EchoRequest, EchoResponse>, cb: grpc.sendUnaryData<EchoResponse>) {
      const { message, failWithCode } = call.request;
      if (failWithCode) cb({ code: failWithCode, details: message });
      else cb(null, reply(message, peerOf(call), 0));
    },
    echoStream(call: grpc.ServerWritableStream<EchoStreamRequest, EchoResponse>) {
      const count = Math.min(call.request.count, MAX_STREAM);
      const interval = Math.min(call.request.intervalMs, MAX_INTERVAL_MS);
      const peer = peerOf(call);
      let i = 0;
      let timer: NodeJS.Timeout | undefined;
      const next = () => {
        if (call.cancelled) return;
        if (i >= count) {
          call.end();
          return;
        }
        call.write(reply(call.request.message, peer, i++));
        timer = setTimeout(next, interval);
      };
      call.on('cancelled', () => clearTimeout(timer));
      next();
    },
  });
  const bind = o.bind ?? '0.0.0.0';
  const host = bind.includes(':') ? `[${bind}]` : bind;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${o.port ?? 50051}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(new WorkloadError('PORIN_ERR_WORKLOAD_LISTEN', `grpc-echo: ${err.message}`)) : resolve(p),
    ),
  );
  return {
    kind: 'grpc-echo',
    listeners: [{ proto: 'tcp', address: bind, port }],
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of watchers) w.end();
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000).unref();
      }),
  };
}
