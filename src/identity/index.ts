// Security identities: reserved numbers, allocation, persistence.
export * from './identity.js';
export * from './identity-allocator.js';
export * from './identity-store.js';
export * from './reserved-identities.js';
