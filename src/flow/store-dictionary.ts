// Interning of endpoints and policy lists into the store's dictionary tables (flows keep only their ids).
import type Database from 'better-sqlite3';
import type { Endpoint, Policy } from './flow.js';
import type { RowDictionary } from './flow-row.js';
import { flowLabelSet } from './label-selector.js';

const NULL_ENDPOINT = Object.freeze({});

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Endpoints and policy lists interned into their tables; objects seen before are found by identity. */
export class StoreDictionary implements RowDictionary {
  private epIds = new WeakMap<object, number>();
  private epByKey = new Map<string, number>();
  private epById = new Map<number, Endpoint | undefined>();
  private polIds = new WeakMap<object, number>();
  private polByKey = new Map<string, number>();
  private polById = new Map<number, Policy[]>();
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      epFind: db.prepare<[string], { id: number }>('SELECT id FROM endpoints WHERE key = ?'),
      epInsert: db.prepare(
        'INSERT INTO endpoints (key, identity, namespace, pod_name, workloads) VALUES (?, ?, ?, ?, ?)',
      ),
      labelInsert: db.prepare('INSERT INTO endpoint_labels (ep, source, key, value) VALUES (?, ?, ?, ?)'),
      epGet: db.prepare<[number], { key: string }>('SELECT key FROM endpoints WHERE id = ?'),
      polFind: db.prepare<[string], { id: number }>('SELECT id FROM policy_lists WHERE key = ?'),
      polInsert: db.prepare('INSERT INTO policy_lists (key) VALUES (?)'),
      polGet: db.prepare<[number], { key: string }>('SELECT key FROM policy_lists WHERE id = ?'),
      attrFind: db.prepare<[string], { id: number }>('SELECT id FROM attributions WHERE key = ?'),
      attrInsert: db.prepare('INSERT INTO attributions (key) VALUES (?)'),
      attrGet: db.prepare<[number], { key: string }>('SELECT key FROM attributions WHERE id = ?'),
    };
  }

  private attrByKey = new Map<string, number>();
  private attrById = new Map<number, readonly (Policy[] | undefined)[]>();

  /** Flows usually carry one list, shared between flows (the builder caches it per cookie): by field. */
  private singleList = Array.from({ length: 6 }, () => new WeakMap<object, number>());

  /** The id of a combination of policy lists (each list interned first; the key is their ids). */
  attributionId(lists: readonly (Policy[] | undefined)[]): number | null {
    let only = -1;
    for (let i = 0; i < lists.length; i++) {
      if (lists[i] === undefined) continue;
      only = only === -1 ? i : -2;
    }
    if (only >= 0) {
      const cached = this.singleList[only]!.get(lists[only]!);
      if (cached !== undefined) return cached;
    }
    const id = this.internAttribution(lists);
    if (only >= 0 && id !== null) this.singleList[only]!.set(lists[only]!, id);
    return id;
  }

  private internAttribution(lists: readonly (Policy[] | undefined)[]): number | null {
    let key = '';
    let any = false;
    for (let i = 0; i < lists.length; i++) {
      const l = lists[i];
      if (i > 0) key += '|';
      if (l) {
        key += this.policyListId(l);
        any = true;
      }
    }
    if (!any) return null;
    let id = this.attrByKey.get(key) ?? this.stmts.attrFind.get(key)?.id;
    if (id === undefined) id = Number(this.stmts.attrInsert.run(key).lastInsertRowid);
    if (this.attrByKey.size >= 100_000) this.attrByKey.clear();
    this.attrByKey.set(key, id);
    return id;
  }

  attribution(id: number): readonly (Policy[] | undefined)[] {
    let lists = this.attrById.get(id);
    if (!lists) {
      const key = this.stmts.attrGet.get(id)?.key ?? '';
      lists = key.split('|').map((x) => (x === '' ? undefined : this.policyList(Number(x))));
      if (this.attrById.size >= 100_000) this.attrById.clear();
      this.attrById.set(id, lists);
    }
    return lists;
  }

  /** Forgets every cached id (after the tables were garbage-collected). */
  reset(): void {
    this.idKey = Symbol('porin.flowStore.endpointId');
    this.epIds = new WeakMap();
    this.epByKey.clear();
    this.epById.clear();
    this.polIds = new WeakMap();
    this.polByKey.clear();
    this.polById.clear();
    this.attrByKey.clear();
    this.attrById.clear();
    this.singleList = Array.from({ length: 6 }, () => new WeakMap<object, number>());
  }

  /** Per-dictionary key under which an extensible endpoint object remembers its id (a property load beats a WeakMap). */
  private idKey = Symbol('porin.flowStore.endpointId');

  endpointId(ep: Endpoint | undefined): number {
    const holder = ep ?? NULL_ENDPOINT;
    const tagged = (holder as Record<symbol, number | undefined>)[this.idKey];
    if (tagged !== undefined) return tagged;
    const known = this.epIds.get(holder);
    if (known !== undefined) return known;
    const id = this.lookupEndpoint(ep);
    if (Object.isExtensible(holder))
      Object.defineProperty(holder, this.idKey, { value: id, enumerable: false });
    else this.epIds.set(holder, id);
    return id;
  }

  private lookupEndpoint(ep: Endpoint | undefined): number {
    const key = ep === undefined ? 'null' : JSON.stringify(ep);
    let id = this.epByKey.get(key) ?? this.stmts.epFind.get(key)?.id;
    if (id === undefined) {
      id = Number(
        this.stmts.epInsert.run(
          key,
          ep?.identity ?? 0,
          ep?.namespace ?? '',
          ep?.pod_name ?? '',
          ep?.workloads ? JSON.stringify(ep.workloads) : null,
        ).lastInsertRowid,
      );
      for (const l of flowLabelSet(ep?.labels).labels)
        this.stmts.labelInsert.run(id, l.source, l.key, l.value);
    }
    if (this.epByKey.size >= 200_000) this.epByKey.clear();
    this.epByKey.set(key, id);
    return id;
  }

  policyListId(list: Policy[]): number {
    const known = this.polIds.get(list);
    if (known !== undefined) return known;
    const key = JSON.stringify(list);
    let id = this.polByKey.get(key) ?? this.stmts.polFind.get(key)?.id;
    if (id === undefined) id = Number(this.stmts.polInsert.run(key).lastInsertRowid);
    if (this.polByKey.size >= 100_000) this.polByKey.clear();
    this.polByKey.set(key, id);
    this.polIds.set(list, id);
    return id;
  }

  endpoint(id: number): Endpoint | undefined {
    if (this.epById.has(id)) return this.epById.get(id);
    const row = this.stmts.epGet.get(id);
    const ep = row && row.key !== 'null' ? deepFreeze(JSON.parse(row.key) as Endpoint) : undefined;
    if (this.epById.size >= 100_000) this.epById.clear();
    this.epById.set(id, ep);
    return ep;
  }

  policyList(id: number): Policy[] {
    let list = this.polById.get(id);
    if (!list) {
      const row = this.stmts.polGet.get(id);
      list = deepFreeze(row ? (JSON.parse(row.key) as Policy[]) : []);
      if (this.polById.size >= 100_000) this.polById.clear();
      this.polById.set(id, list);
    }
    return list;
  }
}
