// The pod runtime: sandboxes (network namespaces wired by CNI), supervised container processes, pod status.
export * from './pod-runtime.js';
export * from './process-supervisor.js';
export * from './readiness.js';
export * from './sandbox.js';
