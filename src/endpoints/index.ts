// Local endpoints: ids, datapath maps and program attachment.
export * from './endpoint-ids.js';
export * from './endpoint-manager.js';
