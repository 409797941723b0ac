// Cluster DNS: records from Services/EndpointSlices/Pods, an authoritative + forwarding server, pods' resolv.conf.
export {
  type AuthorityOptions,
  type AuthorityResult,
  answerQuestion,
  type PodRecordsMode,
} from './answer-question.js';
export {
  buildClusterRecords,
  type ClusterDnsState,
  type ClusterRecordOptions,
  DEFAULT_ZONE,
} from './build-cluster-records.js';
export {
  ClusterDnsServer,
  type ClusterDnsServerOptions,
  type ClusterDnsStats,
} from './cluster-dns-server.js';
export {
  type ClusterName,
  canonicalIp,
  dashedIp,
  ipFromDashed,
  parseClusterName,
  podDomain,
  reverseName,
  serviceDomain,
  srvDomain,
} from './cluster-name.js';
export { DnsError, type DnsErrorCode } from './dns-error.js';
export { type DnsServerAddress, exchangeTcp, exchangeUdp } from './dns-exchange.js';
export { isInZone, normalizeName } from './dns-name.js';
export type { DnsRecord, DnsRecordType } from './dns-record.js';
export { RecordTable } from './record-table.js';
export { type ResolvConfOptions, resolvConf } from './resolv-conf.js';
export { parseUpstream, UpstreamForwarder, type UpstreamForwarderOptions } from './upstream-forwarder.js';
