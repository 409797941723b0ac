// Local endpoints: ids, datapath maps and program attachment.

export * from './conntrack-gc.js';
export * from './endpoint-ids.js';
export * from './endpoint-manager.js';
