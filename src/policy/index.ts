// Policy: translation of KNP/CNP/CCNP, selector cache, per-endpoint resolution, trace and matrix.
export * from './direction-policy.js';
export * from './endpoint.js';
export * from './engine.js';
export * from './fqdn-matcher.js';
export * from './l7-match.js';
export * from './l7-match-dns.js';
export * from './l7-match-kafka.js';
export * from './matrix.js';
export * from './policy-engine-errors.js';
export * from './policy-entry.js';
export * from './resolve-endpoint.js';
export * from './rule.js';
export * from './selector-cache.js';
export * from './trace.js';
export * from './trace-dns.js';
