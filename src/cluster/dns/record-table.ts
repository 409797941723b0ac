// An immutable index of DNS records by owner name, which also knows the names that exist only as ancestors.
import { ancestors, normalizeName } from './dns-name.js';
import { type DnsRecord, recordKey } from './dns-record.js';

export class RecordTable {
  static readonly empty = new RecordTable(new Map(), new Set());

  private constructor(
    private readonly byName: ReadonlyMap<string, readonly DnsRecord[]>,
    private readonly nodes: ReadonlySet<string>,
  ) {}

  /** Builds a table; names are normalized, duplicates dropped, records of one name kept in input order. */
  static from(records: Iterable<DnsRecord>): RecordTable {
    const byName = new Map<string, DnsRecord[]>();
    const seen = new Set<string>();
    const nodes = new Set<string>();
    for (const input of records) {
      const r = normalizeRecord(input);
      const key = recordKey(r);
      if (seen.has(key)) continue;
      seen.add(key);
      let list = byName.get(r.name);
      if (!list) {
        list = [];
        byName.set(r.name, list);
        nodes.add(r.name);
        for (const a of ancestors(r.name)) nodes.add(a);
      }
      list.push(r);
    }
    return new RecordTable(byName, nodes);
  }

  /** Records owned by `name` (normalized), of every type. */
  get(name: string): readonly DnsRecord[] {
    return this.byName.get(name) ?? [];
  }

  /** True when `name` owns records or is an ancestor of a name that does (an empty non-terminal). */
  exists(name: string): boolean {
    return this.nodes.has(name);
  }

  get size(): number {
    let n = 0;
    for (const list of this.byName.values()) n += list.length;
    return n;
  }

  *[Symbol.iterator](): IterableIterator<DnsRecord> {
    for (const list of this.byName.values()) yield* list;
  }
}

function normalizeRecord(r: DnsRecord): DnsRecord {
  const name = normalizeName(r.name);
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return { ...r, name };
    case 'CNAME':
    case 'PTR':
      return { ...r, name, target: normalizeName(r.target) };
    case 'SRV':
      return { ...r, name, target: normalizeName(r.target) };
  }
}
