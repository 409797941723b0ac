// Host plumbing: commands, the cluster's host namespace, the pod routing table and blackholes, the cleanup sweep.
export * from './bpffs.js';
export * from './host-namespace.js';
export * from './host-network.js';
export * from './host-safety-error.js';
export * from './proxy-routing.js';
export * from './run-command.js';
export * from './sweep.js';
export * from './world-network.js';
