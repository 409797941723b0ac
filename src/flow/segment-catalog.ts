// The store's segments: summaries of saved segments, the open one filling up, their indexes (see flow-segment.ts).
import type Database from 'better-sqlite3';
import { C, type RowValue } from './flow-row.js';
import { decodeIndexes, SegmentBuilder, type SegmentIndexes, type SegmentSummary } from './flow-segment.js';

/**
 * Segments close when full; a closed segment's summary is written in the same transaction as its last
 * rows (`saveClosing`, then `committed` once the transaction succeeded). The open segment is not
 * written until it closes or the store closes: after a crash `recoverTail` rebuilds it from the rows.
 */
export class SegmentCatalog {
  /** Saved segments, oldest first. */
  private readonly saved: SegmentSummary[] = [];
  private open: SegmentBuilder | undefined;
  private closing: SegmentBuilder[] = [];
  private readonly indexCache = new Map<number, SegmentIndexes>();
  /** The open segment's indexes, built for queries while it fills (rebuilt when it grew). */
  private openIndexes: { count: number; idx: SegmentIndexes } | undefined;
  private readonly saveStmt: Database.Statement;
  private readonly indexStmt: Database.Statement<[number], { indexes: Buffer }>;

  constructor(
    private readonly db: Database.Database,
    private readonly segmentRows: number,
  ) {
    this.saveStmt = db.prepare(
      `REPLACE INTO segments (id, first_id, last_id, min_time, max_time, verdict_mask, l4_mask, event_mask, has_non_v4, indexes)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.indexStmt = db.prepare('SELECT indexes FROM segments WHERE id = ?');
    for (const r of db
      .prepare(
        'SELECT id, first_id, last_id, min_time, max_time, verdict_mask, l4_mask, event_mask, has_non_v4 FROM segments ORDER BY id',
      )
      .safeIntegers(true)
      .all() as Record<string, bigint>[]) {
      this.saved.push({
        id: Number(r.id),
        firstId: Number(r.first_id),
        lastId: Number(r.last_id),
        minTime: r.min_time!,
        maxTime: r.max_time!,
        verdictMask: Number(r.verdict_mask),
        l4Mask: Number(r.l4_mask),
        eventMask: Number(r.event_mask),
        hasNonV4: Number(r.has_non_v4) !== 0,
      });
    }
  }

  /** The last flow id a saved summary covers (0 when none). */
  get lastSavedId(): number {
    return this.saved[this.saved.length - 1]?.lastId ?? 0;
  }

  private nextSegmentId(): number {
    const ids = [
      this.saved[this.saved.length - 1]?.id ?? 0,
      ...this.closing.map((c) => c.id),
      this.open?.id ?? 0,
    ];
    return Math.max(...ids) + 1;
  }

  private addValues(
    id: number,
    time: bigint,
    m1: number,
    srcEp: number,
    dstEp: number,
    srcIp: Buffer | null,
    dstIp: Buffer | null,
    srcPort: number | null,
    dstPort: number | null,
    event: number | null,
  ): void {
    if (!this.open?.fits(id)) {
      if (this.open) this.closing.push(this.open);
      this.open = new SegmentBuilder(this.nextSegmentId(), id, this.segmentRows);
    }
    this.open.add(id, time, m1, srcEp, dstEp, srcIp, dstIp, srcPort, dstPort, event);
  }

  /** Adds a row as toRow wrote it (with its id) to the open segment. */
  addRow(row: RowValue[], at: number): void {
    this.addValues(
      row[at + C.id] as number,
      row[at + C.time] as bigint,
      row[at + C.m1] as number,
      row[at + C.srcEp] as number,
      row[at + C.dstEp] as number,
      row[at + C.srcIp] as Buffer | null,
      row[at + C.dstIp] as Buffer | null,
      row[at + C.srcPort] as number | null,
      row[at + C.dstPort] as number | null,
      row[at + C.event] as number | null,
    );
  }

  /** Writes the summaries of segments closed since the last commit (call inside the write transaction). */
  saveClosing(): void {
    for (const b of this.closing) {
      const s = b.summary();
      this.saveStmt.run(
        s.id,
        s.firstId,
        s.lastId,
        s.minTime,
        s.maxTime,
        s.verdictMask,
        s.l4Mask,
        s.eventMask,
        s.hasNonV4 ? 1 : 0,
        b.indexBlob(),
      );
    }
  }

  /** The transaction that saved them committed: they are searchable as saved segments. */
  committed(): void {
    for (const b of this.closing) {
      this.saved.push(b.summary());
      this.indexCache.delete(b.id);
    }
    this.closing = [];
  }

  /** Closes the open segment and saves every summary (store shutdown). */
  saveAll(): void {
    if (this.open && this.open.count > 0) this.closing.push(this.open);
    this.open = undefined;
    if (this.closing.length === 0) return;
    this.db.transaction(() => this.saveClosing())();
    this.committed();
  }

  /**
   * Rows written after the last saved summary (the open segment when the agent stopped without
   * closing the store) are read back into an open segment.
   */
  recoverTail(): void {
    const rows = this.db
      .prepare(
        'SELECT id, time_ns, m1, src_ep, dst_ep, src_ip, dst_ip, src_port, dst_port, event FROM flows WHERE id > ? ORDER BY id',
      )
      .safeIntegers(true)
      .all(this.lastSavedId) as Record<string, bigint | Buffer | null>[];
    const n = (v: bigint | Buffer | null) => (v === null ? null : Number(v));
    for (const r of rows) {
      this.addValues(
        Number(r.id),
        r.time_ns as bigint,
        Number(r.m1),
        Number(r.src_ep),
        Number(r.dst_ep),
        r.src_ip as Buffer | null,
        r.dst_ip as Buffer | null,
        n(r.src_port as bigint | null),
        n(r.dst_port as bigint | null),
        n(r.event as bigint | null),
      );
    }
    if (this.closing.length > 0) {
      this.db.transaction(() => this.saveClosing())();
      this.committed();
    }
  }

  /** Summaries to search, oldest first: the saved segments and the open one. */
  searchable(): SegmentSummary[] {
    return this.open && this.open.count > 0 ? [...this.saved, this.open.summary()] : this.saved;
  }

  get savedCount(): number {
    return this.saved.length;
  }

  indexesOf(seg: SegmentSummary): SegmentIndexes {
    const open = this.open;
    if (open && seg.id === open.id) {
      if (!this.openIndexes || this.openIndexes.count !== open.count)
        this.openIndexes = { count: open.count, idx: decodeIndexes(open.indexBlob()) };
      return this.openIndexes.idx;
    }
    let idx = this.indexCache.get(seg.id);
    if (!idx) {
      const row = this.indexStmt.get(seg.id);
      idx = decodeIndexes(row?.indexes ?? Buffer.alloc(24));
      if (this.indexCache.size >= 256) this.indexCache.delete(this.indexCache.keys().next().value!);
      this.indexCache.set(seg.id, idx);
    }
    return idx;
  }

  /** Deletes the oldest saved segments — their flows and summaries — while `keep` says no; returns flows deleted. */
  dropOldest(keep: (s: SegmentSummary) => boolean): number {
    let deleted = 0;
    while (this.saved.length > 0 && !keep(this.saved[0]!)) {
      const s = this.saved.shift()!;
      deleted += this.db
        .prepare('DELETE FROM flows WHERE id BETWEEN ? AND ?')
        .run(s.firstId, s.lastId).changes;
      this.db.prepare('DELETE FROM segments WHERE id = ?').run(s.id);
      this.indexCache.delete(s.id);
    }
    return deleted;
  }
}
