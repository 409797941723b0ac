// Command line of the built-in workloads: `<kind> [--tcp PORT]… [--udp PORT]… [--port PORT] [--bind ADDR] [--name POD]`.
import { parseArgs } from 'node:util';
import type { PodIdentity, WorkloadKind } from './running-workload.js';
import { WorkloadError } from './workload-error.js';

export interface WorkloadArgs {
  readonly kind: WorkloadKind;
  readonly pod: PodIdentity;
  readonly bind: string;
  readonly tcpPorts: number[];
  readonly udpPorts: number[];
  /** deathstar's port (default 80), kafka's (default 9092), grpc-echo's (default 50051). */
  readonly port: number;
  readonly hostnameOnly: boolean;
  /** deathstar: keep running after the exhaust port is hit (the real image panics and restarts). */
  readonly noExplode: boolean;
}

export const WORKLOAD_USAGE = `usage: main.js <serve|deathstar|kafka|grpc-echo|idle> [flags]
  --tcp PORT        serve: an HTTP echo server on PORT (repeatable; comma lists allowed)
  --udp PORT        serve: a UDP echo socket on PORT (repeatable)
  --hostname-only   serve: answer every request and datagram with the pod name (agnhost serve-hostname)
  --port PORT       deathstar: the API port (default 80); kafka: the broker port (default 9092);
                    grpc-echo: the gRPC port (default 50051)
  --no-explode      deathstar: survive PUT /v1/exhaust-port (the real one panics 2 s later)
  --bind ADDR       address to listen on (default 0.0.0.0)
  --name POD        pod name (default $POD_NAME, else the host name)
  --namespace NS    pod namespace (default $POD_NAMESPACE, else "default")`;

const KINDS: readonly WorkloadKind[] = ['serve', 'deathstar', 'kafka', 'grpc-echo', 'idle'];
const DEFAULT_PORT: Record<WorkloadKind, number> = {
  serve: 80,
  deathstar: 80,
  kafka: 9092,
  'grpc-echo': 50051,
  idle: 80,
};

export function parseWorkloadArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  hostname: string,
): WorkloadArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new WorkloadError('PORIN_ERR_WORKLOAD_USAGE', `${(err as Error).message}\n${WORKLOAD_USAGE}`);
  }
  const { values, positionals } = parsed;
  const kind = positionals[0] as WorkloadKind | undefined;
  if (!kind || !KINDS.includes(kind) || positionals.length > 1) {
    throw new WorkloadError(
      'PORIN_ERR_WORKLOAD_USAGE',
      `want one workload kind of ${KINDS.join(', ')}\n${WORKLOAD_USAGE}`,
    );
  }
  const tcpPorts = ports('--tcp', values.tcp ?? []);
  const udpPorts = ports('--udp', values.udp ?? []);
  if (kind === 'serve' && tcpPorts.length + udpPorts.length === 0) {
    throw new WorkloadError(
      'PORIN_ERR_WORKLOAD_USAGE',
      `serve needs at least one --tcp or --udp port\n${WORKLOAD_USAGE}`,
    );
  }
  return {
    kind,
    pod: {
      name: values.name ?? env.POD_NAME ?? hostname,
      namespace: values.namespace ?? env.POD_NAMESPACE ?? 'default',
    },
    bind: values.bind ?? '0.0.0.0',
    tcpPorts,
    udpPorts,
    port: values.port === undefined ? DEFAULT_PORT[kind] : (ports('--port', [values.port])[0] ?? 80),
    hostnameOnly: values['hostname-only'] ?? false,
    noExplode: values['no-explode'] ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      tcp: { type: 'string', multiple: true },
      udp: { type: 'string', multiple: true },
      port: { type: 'string' },
      bind: { type: 'string' },
      name: { type: 'string' },
      namespace: { type: 'string' },
      'hostname-only': { type: 'boolean' },
      'no-explode': { type: 'boolean' },
    },
  });
}

function ports(flag: string, values: readonly string[]): number[] {
  const out: number[] = [];
  for (const v of values.flatMap((x) => x.split(','))) {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || n > 65535) {
      throw new WorkloadError('PORIN_ERR_WORKLOAD_USAGE', `${flag}: "${v}" is not a port (0-65535)`);
    }
    if (!out.includes(n) || n === 0) out.push(n);
  }
  return out;
}
