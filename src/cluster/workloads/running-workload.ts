// What a started built-in workload reports: its sockets, and how to stop it.

export type WorkloadKind = 'serve' | 'deathstar' | 'idle' | 'kafka' | 'grpc-echo';

export interface Listener {
  readonly proto: 'tcp' | 'udp';
  readonly address: string;
  readonly port: number;
}

export interface PodIdentity {
  /** The pod name (agnhost answers it as its hostname). */
  readonly name: string;
  readonly namespace: string;
}

export interface RunningWorkload {
  readonly kind: WorkloadKind;
  readonly listeners: readonly Listener[];
  /** Stops accepting, closes open connections and sockets. */
  close(): Promise<void>;
}

/** `::ffff:10.0.0.1` → `10.0.0.1` (what a dual-stack socket reports for IPv4 peers). */
export function plainAddress(a: string | undefined): string {
  return a?.startsWith('::ffff:') ? a.slice(7) : (a ?? '');
}
