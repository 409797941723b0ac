// FQDN policy: DNS answers → per-endpoint caches → identities of the toFQDNs selectors that match → ipcache.
export { type DnsLookupEntry, type DnsZombie, EndpointDnsCache } from './endpoint-dns-cache.js';
export {
  type EngineFqdnOptions,
  engineFqdnManager,
  policyCidrPrefixes,
  syncFqdnPolicy,
} from './engine-fqdn.js';
export { type FqdnCacheSnapshot, readFqdnCache, writeFqdnCache } from './fqdn-cache-file.js';
export { FQDN_DEFAULTS, type FqdnConfig, fqdnConfig } from './fqdn-config.js';
export {
  type FqdnCacheRow,
  FqdnManager,
  type FqdnManagerOptions,
  type FqdnObservation,
  type FqdnStats,
} from './fqdn-manager.js';
export { FQDN_IPCACHE_SOURCE, type FqdnIdentityPort, FqdnNameManager } from './fqdn-name-manager.js';
