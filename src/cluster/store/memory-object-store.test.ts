// The in-memory store passes the ObjectStore contract.
import { MemoryObjectStore } from './memory-object-store.js';
import { objectStoreContract } from './object-store.contract.test.js';

objectStoreContract('MemoryObjectStore', async (options) => new MemoryObjectStore(options));
