// Entry point of the built-in container programs: `node dist/src/cluster/workloads/main.js <kind> [flags]` (see WORKLOAD_USAGE).
import os from 'node:os';
import { startDeathstar } from './deathstar.js';
import { startGrpcEcho } from './grpc-echo.js';
import { startIdle } from './idle.js';
import { brokerOptionsFromEnv } from './kafka/broker-options.js';
import { startKafkaBroker } from './kafka/kafka-broker.js';
import { parseWorkloadArgs, type WorkloadArgs } from './parse-workload-args.js';
import type { RunningWorkload } from './running-workload.js';
import { startServe } from './serve.js';
import { WorkloadError } from './workload-error.js';

/** One JSON object per line on stdout: the pod log, and what tests and the runtime read (`ready`). */
function log(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), event, ...fields })}\n`);
}

async function start(args: WorkloadArgs): Promise<RunningWorkload> {
  switch (args.kind) {
    case 'serve':
      return startServe({
        pod: args.pod,
        tcpPorts: args.tcpPorts,
        udpPorts: args.udpPorts,
        bind: args.bind,
        hostnameOnly: args.hostnameOnly,
      });
    case 'deathstar':
      return startDeathstar({
        port: args.port,
        bind: args.bind,
        ...(!args.noExplode && {
          onExplode: () => {
            // What the real image does: a Go panic (exit status 2); the pod runtime restarts the container.
            process.stderr.write(
              'panic: deathstar exploded\n\ngoroutine 7 [running]:\nmain.ventThermalExhaust.func1()\n',
            );
            process.exit(2);
          },
        }),
      });
    case 'grpc-echo':
      return startGrpcEcho({ port: args.port, bind: args.bind, pod: args.pod });
    case 'kafka': {
      // The broker honours the usual Kafka images' variables (advertised host, topics to create).
      const { options, warnings } = brokerOptionsFromEnv(process.env);
      for (const w of warnings) log('warning', { message: w });
      return startKafkaBroker({ ...options, port: args.port, bind: args.bind, log });
    }
    case 'idle':
      return startIdle();
  }
}

async function main(): Promise<void> {
  let args: WorkloadArgs;
  try {
    args = parseWorkloadArgs(process.argv.slice(2), process.env, os.hostname());
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(64);
  }
  let workload: RunningWorkload;
  try {
    workload = await start(args);
  } catch (err) {
    const code = err instanceof WorkloadError ? err.code : 'PORIN_ERR_WORKLOAD_LISTEN';
    process.stderr.write(`${code}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('stopping', { signal });
    // Connections that refuse to close must not keep a terminated pod alive.
    setTimeout(() => process.exit(0), 2000).unref();
    workload.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  log('ready', {
    kind: workload.kind,
    pod: args.pod.name,
    namespace: args.pod.namespace,
    listeners: workload.listeners,
  });
}

await main();
