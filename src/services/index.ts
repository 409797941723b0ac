// Service load balancing: the model (frontends, backends), Maglev, LB map entries and their reconciler.
export * from './frontend.js';
export * from './id-pool.js';
export * from './lb-config.js';
export * from './lb-ct-gc.js';
export * from './lb-entries.js';
export * from './lb-listing.js';
export * from './lb-map-set.js';
export * from './lb-reconciler.js';
export * from './maglev.js';
export * from './murmur3.js';
export * from './select-endpoints.js';
export * from './service-frontends.js';
export * from './service-index.js';
