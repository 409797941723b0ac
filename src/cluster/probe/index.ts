// Real connectivity probes between pods.

export type { ProbeOutcome, ProbeTarget } from './probe-worker.js';
export * from './run-probe.js';
