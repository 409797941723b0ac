// The embedded cluster's state store: the contract, the in-memory fake and the durable file store.
export { canonicalJson, jsonClone } from './canonical-json.js';
export { FileObjectStore, type FileStoreOptions } from './file-object-store.js';
export { MemoryObjectStore } from './memory-object-store.js';
export { DEFAULT_NAMESPACE, describeRef, isKnownKind, isNamespacedKind } from './object-identity.js';
export type * from './object-store.js';
export { randomSuffix, SUFFIX_ALPHABET } from './random-suffix.js';
export type { StoreOptions } from './store-core.js';
export { isStoreError, StoreError, type StoreErrorCode } from './store-error.js';
