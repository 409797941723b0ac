// Authoritative answers for the cluster zone (pure): records, CNAME chains, NXDOMAIN vs NODATA, SOA, additionals.
import type { Answer, Question, RecordType } from 'dns-packet';
import { canonicalIp, parseClusterName } from './cluster-name.js';
import { isInZone, normalizeName } from './dns-name.js';
import type { DnsRecord } from './dns-record.js';
import type { RecordTable } from './record-table.js';

/** `verified`: pod names answer only for pods in the records (CoreDNS `pods verified`); `insecure`: any
 * well-formed `a-b-c-d.<ns>.pod.<zone>` answers with the address it spells (CoreDNS `pods insecure`). */
export type PodRecordsMode = 'verified' | 'insecure';

export interface AuthorityOptions {
  /** Normalized zone, e.g. `cluster.local`. */
  readonly zone: string;
  readonly ttl: number;
  readonly serial: number;
  readonly pods: PodRecordsMode;
  /** Addresses answered for the zone's name server `ns.dns.<zone>`. */
  readonly nameserverAddresses: readonly string[];
}

export type AuthorityRcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';

export type AuthorityResult =
  | { readonly kind: 'forward' }
  | {
      readonly kind: 'answer';
      readonly rcode: AuthorityRcode;
      readonly answers: Answer[];
      readonly authorities: Answer[];
      readonly additionals: Answer[];
      /** A CNAME left the zone: the rest of the chain is to be resolved upstream and appended. */
      readonly chase?: { readonly name: string; readonly type: RecordType };
    };

const MAX_CNAME_CHAIN = 8;

/** dns-packet's RecordType lacks the query-only type ANY (255), which it does decode. */
type QueryType = RecordType | 'ANY';

/**
 * Answers one question if it is ours: names in the zone, and names outside it that own records here (PTRs).
 * Everything else is `forward`.
 */
export function answerQuestion(q: Question, table: RecordTable, opts: AuthorityOptions): AuthorityResult {
  const qname = normalizeName(q.name);
  const qtype = q.type as QueryType;
  if (!isInZone(qname, opts.zone)) {
    const own = select(table.get(qname), qtype);
    if (own.length === 0) return { kind: 'forward' };
    return answer(
      'NOERROR',
      own.map((r) => toAnswer(r, q.name, opts)),
      [],
      [],
    );
  }
  if (q.class !== undefined && q.class !== 'IN' && q.class !== 'ANY') return answer('REFUSED', [], [], []);
  const answers: Answer[] = [];
  let name = qname;
  let owner = q.name;
  for (let depth = 0; depth <= MAX_CNAME_CHAIN; depth++) {
    const recs = lookup(name, table, opts);
    if (recs === undefined) return answer('NXDOMAIN', answers, [soa(opts)], []);
    const cname = recs.find((r) => r.type === 'CNAME');
    if (cname && cname.type === 'CNAME' && qtype !== 'CNAME' && qtype !== 'ANY') {
      answers.push(toAnswer(cname, owner, opts));
      name = cname.target;
      owner = cname.target;
      if (!isInZone(name, opts.zone) && table.get(name).length === 0) {
        return {
          kind: 'answer',
          rcode: 'NOERROR',
          answers,
          authorities: [],
          additionals: [],
          chase: { name, type: q.type },
        };
      }
      continue;
    }
    const matching = select(recs, qtype);
    if (matching.length === 0) return answer('NOERROR', answers, [soa(opts)], []);
    answers.push(...matching.map((r) => toAnswer(r, owner, opts)));
    return answer('NOERROR', answers, [], additionalsFor(matching, table, opts));
  }
  return answer('SERVFAIL', [], [], []);
}

/** The zone's SOA, as CoreDNS's kubernetes plugin writes it (negative TTL = the record TTL). */
export function soa(opts: AuthorityOptions): Answer {
  return {
    name: opts.zone,
    type: 'SOA',
    class: 'IN',
    ttl: opts.ttl,
    data: {
      mname: `ns.dns.${opts.zone}`,
      rname: `hostmaster.${opts.zone}`,
      serial: opts.serial,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: opts.ttl,
    },
  };
}

type Synth = DnsRecord | { readonly name: string; readonly type: 'SOA' | 'NS' };

/** Records of a name in the zone (with the synthesized ones); undefined when the name does not exist. */
function lookup(name: string, table: RecordTable, opts: AuthorityOptions): readonly Synth[] | undefined {
  const recs: Synth[] = [...table.get(name)];
  if (name === opts.zone) recs.push({ name, type: 'SOA' }, { name, type: 'NS' });
  const nsName = `ns.dns.${opts.zone}`;
  if (name === nsName) {
    for (const ip of opts.nameserverAddresses) {
      const a = canonicalIp(ip);
      if (a) recs.push({ name, type: a.family === 4 ? 'A' : 'AAAA', address: a.address });
    }
  }
  if (opts.pods === 'insecure' && recs.length === 0) {
    const parsed = parseClusterName(name, opts.zone);
    const a = parsed?.kind === 'pod' ? canonicalIp(parsed.ip) : undefined;
    if (a) recs.push({ name, type: a.family === 4 ? 'A' : 'AAAA', address: a.address });
  }
  if (recs.length > 0) return recs;
  if (table.exists(name) || (name !== nsName && isInZone(nsName, name))) return [];
  return undefined;
}

function select<T extends Synth>(recs: readonly T[], qtype: QueryType): T[] {
  if (qtype === 'ANY')
    return recs
      .filter((r) => r.type !== 'SOA' && r.type !== 'NS')
      .concat(recs.filter((r) => r.type === 'SOA'));
  return recs.filter((r) => r.type === qtype);
}

function additionalsFor(matching: readonly Synth[], table: RecordTable, opts: AuthorityOptions): Answer[] {
  const out: Answer[] = [];
  for (const r of matching) {
    if (r.type !== 'SRV' && r.type !== 'NS') continue;
    const target = r.type === 'SRV' ? r.target : `ns.dns.${opts.zone}`;
    const recs = lookup(target, table, opts) ?? [];
    for (const t of recs) if (t.type === 'A' || t.type === 'AAAA') out.push(toAnswer(t, t.name, opts));
  }
  return out;
}

function toAnswer(r: Synth, owner: string, opts: AuthorityOptions): Answer {
  const ttl = 'ttl' in r && r.ttl !== undefined ? r.ttl : opts.ttl;
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return { name: owner, type: r.type, class: 'IN', ttl, data: r.address };
    case 'CNAME':
    case 'PTR':
      return { name: owner, type: r.type, class: 'IN', ttl, data: r.target };
    case 'SRV':
      return {
        name: owner,
        type: 'SRV',
        class: 'IN',
        ttl,
        data: { priority: r.priority, weight: r.weight, port: r.port, target: r.target },
      };
    case 'NS':
      return { name: owner, type: 'NS', class: 'IN', ttl, data: `ns.dns.${r.name}` };
    case 'SOA':
      return { ...soa(opts), name: owner };
  }
}

function answer(
  rcode: AuthorityRcode,
  answers: Answer[],
  authorities: Answer[],
  additionals: Answer[],
): AuthorityResult {
  return { kind: 'answer', rcode, answers, authorities, additionals };
}
