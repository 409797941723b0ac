// Helper process for the world test: a cluster DNS server (forwarding outside names upstream) inside a namespace.
import { ClusterDnsServer } from '../../src/cluster/dns/index.js';

const [address, upstream] = process.argv.slice(2);
const server = new ClusterDnsServer({
  address: address!,
  port: 53,
  upstreams: [upstream!],
  upstreamTimeoutMs: 1000,
});
await server.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => void server.close().finally(() => process.exit(0)));
