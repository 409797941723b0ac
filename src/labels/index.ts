// Labels, label sets and selectors: pure.
export * from './label.js';
export * from './label-filter.js';
export * from './label-set.js';
export * from './pod-labels.js';
export * from './selector.js';
export * from './well-known.js';
