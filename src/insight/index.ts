// Insight: what the recorded flows and the policy engine say together — service graph, impact preview, generated policy, lint.
export * from './generate-policy.js';
export * from './impact.js';
export * from './insight-routes.js';
export * from './insight-types.js';
export * from './lint-policy.js';
export * from './node-grouping.js';
export * from './service-graph.js';
export * from './what-if-engine.js';
