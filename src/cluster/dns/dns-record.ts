// One resource record served by the cluster DNS (owner names normalized; TTL and class come from the server).

export type DnsRecord =
  | {
      readonly name: string;
      readonly type: 'A' | 'AAAA';
      readonly address: string;
      /** Overrides the server's TTL for this record (the world's hosts have their own). */
      readonly ttl?: number;
    }
  | { readonly name: string; readonly type: 'CNAME' | 'PTR'; readonly target: string }
  | {
      readonly name: string;
      readonly type: 'SRV';
      readonly priority: number;
      readonly weight: number;
      readonly port: number;
      readonly target: string;
    };

export type DnsRecordType = DnsRecord['type'];

/** A stable identity of a record, for de-duplication and diffs. */
export function recordKey(r: DnsRecord): string {
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return `${r.name} ${r.type} ${r.address}`;
    case 'CNAME':
    case 'PTR':
      return `${r.name} ${r.type} ${r.target}`;
    case 'SRV':
      return `${r.name} SRV ${r.priority} ${r.weight} ${r.port} ${r.target}`;
  }
}
