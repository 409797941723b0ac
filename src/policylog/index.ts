// Network policy logging (GKE Dataplane V2 format) and per-policy audit mode.
export * from './audit-mode.js';
export * from './deny-aggregator.js';
export * from './network-logging.js';
export * from './policy-log-entry.js';
export * from './policy-logger.js';
export * from './rotating-log-file.js';
export * from './token-bucket.js';
