// A pod's /etc/resolv.conf for the ClusterFirst DNS policy, as kubelet and the container runtime write it.
import { DEFAULT_ZONE } from './build-cluster-records.js';

export interface ResolvConfOptions {
  /** The pod's namespace. */
  readonly namespace: string;
  /** Cluster DNS server address(es), e.g. `10.96.0.10`. */
  readonly nameserver: string | readonly string[];
  /** Cluster domain; default `cluster.local`. */
  readonly zone?: string;
  /** Extra search domains appended after the cluster ones (kubelet appends the host's). */
  readonly extraSearches?: readonly string[];
  /** Options; default `['ndots:5']`. */
  readonly options?: readonly string[];
}

/** Kubelet's limits: 32 search domains, 2048 characters of search line; at most 3 name servers (glibc's MAXNS). */
const MAX_SEARCHES = 32;
const MAX_SEARCH_CHARS = 2048;
const MAX_NAMESERVERS = 3;

/**
 * ```
 * search <ns>.svc.<zone> svc.<zone> <zone>
 * nameserver 10.96.0.10
 * options ndots:5
 * ```
 */
export function resolvConf(o: ResolvConfOptions): string {
  const zone = (o.zone ?? DEFAULT_ZONE).replace(/\.$/, '');
  const searches: string[] = [];
  let chars = 0;
  for (const d of [`${o.namespace}.svc.${zone}`, `svc.${zone}`, zone, ...(o.extraSearches ?? [])]) {
    const domain = d.replace(/\.$/, '');
    if (!domain || searches.includes(domain)) continue;
    if (
      searches.length === MAX_SEARCHES ||
      chars + domain.length + (searches.length ? 1 : 0) > MAX_SEARCH_CHARS
    )
      break;
    chars += domain.length + (searches.length ? 1 : 0);
    searches.push(domain);
  }
  const servers = (typeof o.nameserver === 'string' ? [o.nameserver] : o.nameserver).slice(
    0,
    MAX_NAMESERVERS,
  );
  const lines = [`search ${searches.join(' ')}`, ...servers.map((s) => `nameserver ${s}`)];
  const options = o.options ?? ['ndots:5'];
  if (options.length) lines.push(`options ${options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}
