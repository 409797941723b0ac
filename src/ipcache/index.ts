// IP/CIDR → identity.
export * from './ipcache.js';
