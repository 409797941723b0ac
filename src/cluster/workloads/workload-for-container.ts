// Decides what process stands in for a pod's container: a built-in workload or the container's own command.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Container, Pod } from '../../resources/types/index.js';
import { agnhostMapping } from './agnhost-args.js';
import { parseImageRef } from './image-ref.js';

export interface ContainerWorkload {
  /** `built-in` runs `node main.js <workload> …`; `command` runs the container's command + args as given. */
  readonly source: 'built-in' | 'command';
  readonly workload: 'serve' | 'deathstar' | 'kafka' | 'grpc-echo' | 'idle' | 'command';
  /** What to execute inside the pod's network namespace (argv[0] is looked up on PATH like execvp does). */
  readonly argv: string[];
  /** To set over the runtime's base environment: the container's `env` plus POD_NAME, POD_NAMESPACE, HOSTNAME. */
  readonly env: Record<string, string>;
  /** Why the container could not run as written (shown in the pod's events / log). */
  readonly warnings: string[];
}

export interface WorkloadMappingOptions {
  /** Node binary; default the running one. */
  readonly nodePath?: string;
  /** The workloads' entry point; default `main.js` next to this module. */
  readonly mainPath?: string;
  /** Looks a program up; default: `PATH` of this process, executable regular files only. */
  readonly resolveProgram?: (name: string) => string | undefined;
}

/** Images whose container, with no command and no ports, is a client to `porin exec` into: no warning for idle. */
const CLIENT_IMAGES = new Set([
  'json-mock',
  'busybox',
  'curl',
  'alpine',
  'netshoot',
  'agnhost',
  'pause',
  'ubuntu',
  'debian',
  'kafkaclient',
]);
/** Kafka broker images (Cilium's Kafka example runs wurstmeister/kafka) → the built-in broker. */
const KAFKA_IMAGES = new Set([
  'wurstmeister/kafka',
  'bitnami/kafka',
  'apache/kafka',
  'confluentinc/cp-kafka',
]);
/** Servers that listen without declaring ports. */
const IMPLICIT_PORTS: Record<string, number[]> = { nginx: [80], httpd: [80] };

/**
 * The mapping, first match wins:
 * 1. Star Wars demo images (`docker.io/cilium/starwars*`, `quay.io/cilium/starwars*`) → deathstar on the first
 *    declared containerPort (default 80);
 * 2. Kafka broker images (`wurstmeister/kafka`, `bitnami/kafka`, `apache/kafka`, `confluentinc/cp-kafka`) → the
 *    built-in broker on the first declared containerPort (default 9092), configured by the image's usual variables;
 * 3. Porin's gRPC echo image (`porin/grpc-echo`, any registry) → grpc-echo on the first containerPort (default 50051);
 * 4. agnhost (`…/agnhost`) → its subcommand's stand-in (`netexec` → serve HTTP+UDP, `serve-hostname`, `pause` → idle…);
 * 5. a `command` whose program exists on this host → that command and `args`, as is;
 * 6. declared containerPorts → serve on them (TCP as HTTP echo, UDP as UDP echo; SCTP cannot be served here);
 * 7. known servers that declare nothing (nginx, httpd) → serve on their usual port;
 * 8. idle — with a warning unless the image is a known client (busybox, curl, alpine, netshoot, json-mock…).
 */
export function workloadForContainer(
  container: Container,
  pod: Pod,
  options: WorkloadMappingOptions = {},
): ContainerWorkload {
  const image = parseImageRef(container.image ?? '');
  const podName = pod.metadata.name;
  const namespace = pod.metadata.namespace ?? 'default';
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) env[e.name] = e.value ?? '';
  Object.assign(env, { POD_NAME: podName, POD_NAMESPACE: namespace, HOSTNAME: podName });
  const warnings: string[] = [];
  const node = options.nodePath ?? process.execPath;
  const main = options.mainPath ?? fileURLToPath(new URL('./main.js', import.meta.url));
  const builtIn = (
    workload: 'serve' | 'deathstar' | 'kafka' | 'grpc-echo' | 'idle',
    flags: string[],
  ): ContainerWorkload => ({
    source: 'built-in',
    workload,
    argv: [node, main, workload, '--name', podName, '--namespace', namespace, ...flags],
    env,
    warnings,
  });
  const ports = container.ports ?? [];

  if (
    (image.registry === 'docker.io' || image.registry === 'quay.io') &&
    image.repository.startsWith('cilium/starwars')
  ) {
    return builtIn('deathstar', ['--port', String(ports[0]?.containerPort ?? 80)]);
  }

  if (KAFKA_IMAGES.has(image.repository)) {
    return builtIn('kafka', ['--port', String(ports[0]?.containerPort ?? 9092)]);
  }

  if (image.repository === 'porin/grpc-echo') {
    return builtIn('grpc-echo', ['--port', String(ports[0]?.containerPort ?? 50051)]);
  }

  const commandLine = [...(container.command ?? []), ...(container.args ?? [])];
  if (image.name === 'agnhost' && commandLine.length > 0) {
    const m = agnhostMapping(commandLine);
    if (m.kind === 'idle') return builtIn('idle', []);
    if (m.kind === 'serve' && m.tcp.length + m.udp.length > 0) {
      return builtIn('serve', [
        ...m.tcp.flatMap((p) => ['--tcp', String(p)]),
        ...m.udp.flatMap((p) => ['--udp', String(p)]),
        ...(m.hostnameOnly ? ['--hostname-only'] : []),
      ]);
    }
    if (m.kind === 'unknown') warnings.push(`agnhost subcommand "${m.subcommand ?? ''}" has no stand-in`);
  } else if (container.command?.length) {
    const program = container.command[0]!;
    const resolve = options.resolveProgram ?? ((name: string) => findProgram(name, process.env.PATH ?? ''));
    if (resolve(program)) return { source: 'command', workload: 'command', argv: commandLine, env, warnings };
    warnings.push(`container "${container.name}": command "${program}" does not exist on this host`);
  } else if (container.args?.length) {
    warnings.push(
      `container "${container.name}": args without a command need the image's entrypoint; ignored`,
    );
  }

  const tcp = ports.filter((p) => (p.protocol ?? 'TCP') === 'TCP').map((p) => p.containerPort);
  const udp = ports.filter((p) => p.protocol === 'UDP').map((p) => p.containerPort);
  for (const p of ports) {
    if (p.protocol === 'SCTP')
      warnings.push(`container "${container.name}": SCTP port ${p.containerPort} cannot be served here`);
  }
  if (tcp.length === 0 && udp.length === 0) tcp.push(...(IMPLICIT_PORTS[image.name] ?? []));
  if (tcp.length + udp.length > 0) {
    return builtIn('serve', [
      ...tcp.flatMap((p) => ['--tcp', String(p)]),
      ...udp.flatMap((p) => ['--udp', String(p)]),
    ]);
  }
  if (warnings.length === 0 && !CLIENT_IMAGES.has(image.name)) {
    warnings.push(
      `container "${container.name}": image "${container.image ?? ''}" has no stand-in; running idle`,
    );
  } else if (warnings.length > 0) {
    warnings.push(`container "${container.name}": running idle instead`);
  }
  return builtIn('idle', []);
}

/** execvp's lookup: a name with a slash is taken as a path; otherwise each PATH entry is tried. */
export function findProgram(name: string, searchPath: string): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : searchPath.split(':').map((d) => path.join(d || '.', name));
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue;
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not there, or not executable: try the next one
    }
  }
  return undefined;
}
