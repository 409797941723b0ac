// Prometheus metrics: Hubble-compatible flow metrics, Porin's agent metrics, and the /metrics endpoint.
export * from './flow-metric-labels.js';
export * from './metrics-server.js';
export * from './porin-metrics.js';
