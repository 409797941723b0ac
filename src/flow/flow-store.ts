// The durable flow store: SQLite (WAL), batched inserts, segment summaries instead of per-row indexes, retention by size and age.
//
// Writes are append-only: the flows table has no secondary index (each one cost more than the insert
// itself); every ~4096 consecutive flows form a segment whose summary (flow-segment.ts) is written once.
// Queries walk segments newest first (oldest first for `first`), skip those the plan rules out
// (flow-prune.ts), read candidate rows by id, and apply the exact SQL filter (flow-sql.ts). Order is
// ingestion order, like Hubble's ring; since/until are exact on each flow's time.
import Database from 'better-sqlite3';
import RE2 from 're2';
import type { Flow, FlowFilterSet } from './flow.js';
import { FlowError } from './flow-error.js';
import { type ParsedFilter, parseFlowFilter, type RegexLike, urlPath } from './flow-filter.js';
import {
  buildPrunePlan,
  needsIndexes,
  type PrunePlan,
  segmentCandidates,
  summaryMayMatch,
} from './flow-prune.js';
import { C, FLOW_COLUMNS, type FlowRow, fromRow, ROW_WIDTH, type RowValue, toRow } from './flow-row.js';
import { endpointConditionSql, filterSetSql } from './flow-sql.js';
import { SCHEMA, SCHEMA_VERSION, SELECT_COLUMNS } from './flow-store-schema.js';
import { SegmentCatalog } from './segment-catalog.js';
import { StoreDictionary } from './store-dictionary.js';

const ROWS_PER_INSERT = 16;

export interface FlowStoreOptions {
  /** The database file (`:memory:` for a private in-memory store). */
  path: string;
  /** Retention by size: the database's used pages are kept under this (default 1 GiB). */
  maxBytes?: number;
  /** Retention by age (default 7 days; 0 = keep by size only). */
  maxAgeMs?: number;
  /** Flows per insert transaction (default 1024). */
  batchSize?: number;
  /** Flows per segment summary (default 4096, at most 65536). */
  segmentRows?: number;
  /** Flows waiting for a flush beyond this are dropped and counted as lost (default 200,000). */
  maxPending?: number;
  /** The regex engine of dns_query / http_path / http_url (default RE2, as Hubble's). */
  regex?: (pattern: string) => RegexLike;
  /** Unix nanoseconds now, for retention by age. */
  nowNs?: () => bigint;
  /** Called when flows could not be stored (queue full, schema error, write error). */
  onLost?: (count: number, reason: 'queue-full' | 'schema' | 'write-error') => void;
  /** Least time between collections of unreferenced endpoints after retention (default 1 h). */
  collectIntervalMs?: number;
}

/** A store query: filters, a time range (inclusive, Unix ns), and how many from which end. */
export interface StoreQuery extends FlowFilterSet {
  sinceNs?: bigint;
  untilNs?: bigint;
  /** 0 or absent: no limit. */
  limit?: number;
  /** Take the oldest `limit` flows instead of the newest. */
  first?: boolean;
}

export interface FlowStoreStats {
  /** Rows stored, from the segment summaries (an upper bound: ids of failed writes and age-trimmed rows count). */
  rows: number;
  segments: number;
  /** Bytes in use by the database (pages not on the free list). */
  usedBytes: number;
  fileBytes: number;
  oldestNs?: bigint;
  newestNs?: bigint;
  pending: number;
  inserted: number;
  lost: number;
  deletedByAge: number;
  deletedBySize: number;
}

type LostReason = 'queue-full' | 'schema' | 'write-error';

export class FlowStore {
  readonly db: Database.Database;
  private readonly dict: StoreDictionary;
  private pending: Flow[] = [];
  /** The time of each pending flow when the caller knew it (saves parsing it back). */
  private pendingNs: (bigint | undefined)[] = [];
  private readonly insertMany: (flows: Flow[], times: (bigint | undefined)[]) => number;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly counters = { inserted: 0, lost: 0, deletedByAge: 0, deletedBySize: 0 };
  private closed = false;
  readonly batchSize: number;
  readonly segmentRows: number;
  private readonly maxPending: number;
  private readonly segments: SegmentCatalog;
  private nextId = 1;
  private lastCollect = 0;

  /** Also told about flows that could not be stored (the flow service counts them). */
  lostHandler: ((count: number, reason: LostReason) => void) | undefined;

  private constructor(
    db: Database.Database,
    private readonly opts: FlowStoreOptions,
  ) {
    this.db = db;
    this.batchSize = opts.batchSize ?? 1024;
    this.segmentRows = Math.min(opts.segmentRows ?? 4096, 65_536);
    this.maxPending = opts.maxPending ?? 200_000;
    this.dict = new StoreDictionary(db);
    this.segments = new SegmentCatalog(db, this.segmentRows);
    // Rows go in ROWS_PER_INSERT at a time: each value bound costs, each statement run costs more.
    const tuple = `(${FLOW_COLUMNS.map(() => '?').join(', ')})`;
    const insertOne = db.prepare(`INSERT INTO flows (${FLOW_COLUMNS.join(', ')}) VALUES ${tuple}`);
    const insertMulti = db.prepare(
      `INSERT INTO flows (${FLOW_COLUMNS.join(', ')}) VALUES ${Array(ROWS_PER_INSERT).fill(tuple).join(', ')}`,
    );
    const rows: RowValue[] = new Array(ROW_WIDTH * ROWS_PER_INSERT);
    const maxId = db.prepare('SELECT max(id) AS m FROM flows').get() as { m: number | null };
    this.nextId = Math.max(maxId.m ?? 0, this.segments.lastSavedId) + 1;
    this.segments.recoverTail();
    this.insertMany = db.transaction((flows: Flow[], times: (bigint | undefined)[]) => {
      let schemaErrors = 0;
      let slot = 0;
      for (let i = 0; i < flows.length; i++) {
        const at = slot * ROW_WIDTH;
        try {
          toRow(flows[i]!, this.dict, rows, at, times[i]);
        } catch {
          schemaErrors++;
          continue;
        }
        const id = this.nextId++;
        rows[at + C.id] = id;
        this.segments.addRow(rows, at);
        if (++slot === ROWS_PER_INSERT) {
          insertMulti.run(rows);
          slot = 0;
        }
      }
      for (let k = 0; k < slot; k++) insertOne.run(rows.slice(k * ROW_WIDTH, (k + 1) * ROW_WIDTH));
      this.segments.saveClosing();
      if (schemaErrors > 0) this.lose(schemaErrors, 'schema');
      return flows.length - schemaErrors;
    });
    const regex = opts.regex ?? ((p: string) => new RE2(p, 'u'));
    const compiled = new Map<string, RegexLike>();
    db.function('porin_regexp', { deterministic: true }, (pattern: unknown, text: unknown) => {
      if (typeof text !== 'string') return 0;
      let re = compiled.get(pattern as string);
      if (!re) {
        re = regex(pattern as string);
        if (compiled.size > 1000) compiled.clear();
        compiled.set(pattern as string, re);
      }
      return re.test(text) ? 1 : 0;
    });
    db.function('porin_url_path', { deterministic: true }, (url: unknown) =>
      typeof url === 'string' && url !== '' ? (urlPath(url) ?? null) : null,
    );
  }

  /** Opens (creating if needed) the store; PORIN_FLOW_STORE_OPEN on an unreadable file or a newer schema. */
  static open(opts: FlowStoreOptions): FlowStore {
    let db: Database.Database | undefined;
    try {
      db = new Database(opts.path);
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new FlowError(
          'PORIN_FLOW_STORE_OPEN',
          `flow database ${opts.path} has schema version ${version}, newer than this Porin's ${SCHEMA_VERSION}`,
        );
      }
      if (version === 0) db.pragma('auto_vacuum = INCREMENTAL');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('temp_store = MEMORY');
      db.pragma('journal_size_limit = 67108864');
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      return new FlowStore(db, opts);
    } catch (e) {
      db?.close();
      if (e instanceof FlowError) throw e;
      throw new FlowError(
        'PORIN_FLOW_STORE_OPEN',
        `cannot open flow database ${opts.path}: ${(e as Error).message}`,
        undefined,
        {
          cause: e,
        },
      );
    }
  }

  private lose(count: number, reason: LostReason): void {
    this.counters.lost += count;
    this.opts.onLost?.(count, reason);
    this.lostHandler?.(count, reason);
  }

  /**
   * Queues a flow; false (and counted as lost) when the queue is full. `timeNs`, when known, must be
   * the flow's `time` in Unix nanoseconds.
   */
  add(flow: Flow, timeNs?: bigint): boolean {
    if (this.closed) throw new FlowError('PORIN_FLOW_STORE_CLOSED', 'the flow store is closed');
    if (this.pending.length >= this.maxPending) {
      this.lose(1, 'queue-full');
      return false;
    }
    this.pending.push(flow);
    this.pendingNs.push(timeNs);
    return true;
  }

  get shouldFlush(): boolean {
    return this.pending.length >= this.batchSize;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Writes every queued flow, a batch per transaction; returns how many were stored. */
  flush(): number {
    if (this.closed || this.pending.length === 0) return 0;
    const all = this.pending;
    const times = this.pendingNs;
    this.pending = [];
    this.pendingNs = [];
    let stored = 0;
    for (let i = 0; i < all.length; i += this.batchSize) {
      const whole = all.length <= this.batchSize;
      const batch = whole ? all : all.slice(i, i + this.batchSize);
      try {
        stored += this.insertMany(batch, whole ? times : times.slice(i, i + this.batchSize));
        this.segments.committed();
      } catch {
        this.lose(batch.length, 'write-error');
        // Rolled back: the summaries now name ids with no rows (gaps), which only costs reads; the ids
        // are not reused, so offsets stay `id - firstId`. The closed segments' summaries are written
        // with the next batch.
      }
    }
    this.counters.inserted += stored;
    return stored;
  }

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      if (this.statements.size >= 128) this.statements.clear();
      this.statements.set(sql, s);
    }
    return s;
  }

  /** The pruning plan of a query: endpoint conditions resolved against the endpoints table. */
  private plan(set: FlowFilterSet): PrunePlan {
    const white: ParsedFilter[] = (set.whitelist ?? []).map((f, i) => parseFlowFilter(f, `whitelist[${i}]`));
    return buildPrunePlan(white, (p, side) => {
      const cond = endpointConditionSql(p, side);
      if (!cond) return undefined;
      return (
        this.statement(`SELECT e.id FROM endpoints e WHERE ${cond.sql} ORDER BY e.id`).all(
          ...cond.params,
        ) as { id: number }[]
      ).map((r) => r.id);
    });
  }

  /**
   * Filtered flows in ingestion order (oldest first): the newest `limit` matches unless `first`.
   * Flushed flows only: flush first for read-your-writes.
   */
  query(q: StoreQuery = {}): Flow[] {
    if (this.closed) throw new FlowError('PORIN_FLOW_STORE_CLOSED', 'the flow store is closed');
    const cond = filterSetSql(q);
    const plan = this.plan(q);
    const useIndexes = needsIndexes(plan);
    const limit = q.limit && q.limit > 0 ? q.limit : Number.POSITIVE_INFINITY;
    const order = q.first ? 'ASC' : 'DESC';
    const timeConds: string[] = [];
    const timeParams: bigint[] = [];
    if (q.sinceNs !== undefined) {
      timeConds.push('f.time_ns >= ?');
      timeParams.push(q.sinceNs);
    }
    if (q.untilNs !== undefined) {
      timeConds.push('f.time_ns <= ?');
      timeParams.push(q.untilNs);
    }
    const where = [cond.sql, ...timeConds].join(' AND ');
    const rangeSql = `SELECT ${SELECT_COLUMNS} FROM flows f WHERE f.id BETWEEN ? AND ? AND ${where} ORDER BY f.id ${order} LIMIT ?`;
    const idsSql = `SELECT ${SELECT_COLUMNS} FROM flows f WHERE f.id IN (SELECT value FROM json_each(?)) AND ${where} ORDER BY f.id ${order} LIMIT ?`;
    const out: FlowRow[] = [];
    const segments = this.segments.searchable();
    const n = segments.length;
    for (let k = 0; k < n && out.length < limit; k++) {
      const seg = segments[q.first ? k : n - 1 - k]!;
      if (q.sinceNs !== undefined && seg.maxTime < q.sinceNs) continue;
      if (q.untilNs !== undefined && seg.minTime > q.untilNs) continue;
      if (!summaryMayMatch(plan, seg)) continue;
      const cands = segmentCandidates(plan, seg, useIndexes ? this.segments.indexesOf(seg) : undefined);
      if (cands === 'none') continue;
      const remaining = Number.isFinite(limit) ? limit - out.length : -1;
      const rows =
        cands === 'all' || cands.length > (seg.lastId - seg.firstId + 1) / 2
          ? this.statement(rangeSql).all(seg.firstId, seg.lastId, ...cond.params, ...timeParams, remaining)
          : this.statement(idsSql).all(
              JSON.stringify(cands.map((o) => seg.firstId + o)),
              ...cond.params,
              ...timeParams,
              remaining,
            );
      for (const r of rows as FlowRow[]) out.push(r);
    }
    const flows = out.map((r) => fromRow(r, this.dict));
    if (!q.first) flows.reverse();
    return flows;
  }

  /** The exact number of stored flows (a full scan: for tests and tools, not for status pages). */
  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM flows').get() as { n: number }).n;
  }

  private usedBytes(): { used: number; file: number } {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return { used: (pages - free) * pageSize, file: pages * pageSize };
  }

  /**
   * Deletes flows older than maxAgeMs (whole segments, and the old rows of a segment that straddles the
   * cutoff), then the oldest segments until the used size is under maxBytes (down to 90 % of it),
   * releases free pages, and drops endpoints no stored flow refers to any more.
   */
  enforceRetention(): { byAge: number; bySize: number } {
    if (this.closed) return { byAge: 0, bySize: 0 };
    this.flush();
    let byAge = 0;
    let bySize = 0;
    const maxAgeMs = this.opts.maxAgeMs ?? 7 * 24 * 3600 * 1000;
    const run = this.db.transaction(() => {
      if (maxAgeMs > 0) {
        const now = this.opts.nowNs?.() ?? BigInt(Date.now()) * 1_000_000n;
        const cutoff = now - BigInt(maxAgeMs) * 1_000_000n;
        byAge += this.segments.dropOldest((s) => s.maxTime >= cutoff);
        for (const s of this.segments.searchable()) {
          if (s.minTime >= cutoff) continue;
          byAge += this.db
            .prepare('DELETE FROM flows WHERE id BETWEEN ? AND ? AND time_ns < ?')
            .run(s.firstId, s.lastId, cutoff).changes;
        }
      }
    });
    run();
    const maxBytes = this.opts.maxBytes ?? 1024 ** 3;
    let { used } = this.usedBytes();
    if (used > maxBytes) {
      const perSegment = used / Math.max(1, this.segments.savedCount);
      const drop = Math.max(1, Math.ceil((used - maxBytes * 0.9) / perSegment));
      let n = 0;
      this.db.transaction(() => {
        bySize += this.segments.dropOldest(() => n++ >= drop);
      })();
      this.db.pragma('incremental_vacuum');
      used = this.usedBytes().used;
    }
    if (byAge + bySize > 0) {
      this.db.pragma('incremental_vacuum');
      // Reading every segment's index costs ~0.5 ms per segment: at most hourly.
      const now = Date.now();
      if (now - this.lastCollect >= (this.opts.collectIntervalMs ?? 3_600_000)) {
        this.lastCollect = now;
        this.collectEndpoints();
      }
    }
    this.counters.deletedByAge += byAge;
    this.counters.deletedBySize += bySize;
    return { byAge, bySize };
  }

  /** Drops endpoints no segment refers to (their ids are in the segment indexes). */
  private collectEndpoints(): void {
    const used = new Set<number>();
    for (const s of this.segments.searchable()) {
      const idx = this.segments.indexesOf(s);
      for (const k of idx.srcEp.keys) used.add(k);
      for (const k of idx.dstEp.keys) used.add(k);
    }
    const all = (this.db.prepare('SELECT id FROM endpoints').all() as { id: number }[]).map((r) => r.id);
    const gone = all.filter((id) => !used.has(id));
    if (gone.length === 0) return;
    this.db.transaction(() => {
      const del = this.db.prepare('DELETE FROM endpoints WHERE id = ?');
      const delLabels = this.db.prepare('DELETE FROM endpoint_labels WHERE ep = ?');
      for (const id of gone) {
        del.run(id);
        delLabels.run(id);
      }
    })();
    this.dict.reset();
  }

  stats(): FlowStoreStats {
    const { used, file } = this.usedBytes();
    const all = this.segments.searchable();
    const s: FlowStoreStats = {
      rows: all.reduce((n, x) => n + (x.lastId - x.firstId + 1), 0),
      segments: this.segments.searchable().length,
      usedBytes: used,
      fileBytes: file,
      pending: this.pending.length,
      ...this.counters,
    };
    if (all.length > 0) {
      let oldest = all[0]!.minTime;
      let newest = all[0]!.maxTime;
      for (const x of all) {
        if (x.minTime < oldest) oldest = x.minTime;
        if (x.maxTime > newest) newest = x.maxTime;
      }
      s.oldestNs = oldest;
      s.newestNs = newest;
    }
    return s;
  }

  /** Flushes and closes (idempotent). */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.segments.saveAll();
    this.closed = true;
    this.db.close();
  }
}
