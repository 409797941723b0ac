// Numeric ids handed out round-robin (a freed id is reused as late as possible), with reservations.

export class IdPool {
  private readonly used = new Set<number>();
  private next: number;

  constructor(
    readonly min: number,
    readonly max: number,
  ) {
    this.next = min;
  }

  get size(): number {
    return this.used.size;
  }

  /** Marks an id taken (ids found in the kernel maps after a restart). */
  reserve(id: number): void {
    this.used.add(id);
  }

  /**
   * The next free id after the last one handed out. Round-robin, so an id that was just freed is not
   * handed out again soon: state keyed by an old id (affinity entries, a socket's reverse entry) has
   * time to age out before a new frontend could inherit it.
   */
  take(): number {
    const span = this.max - this.min + 1;
    if (this.used.size >= span) throw new RangeError(`no free id left in ${this.min}..${this.max}`);
    for (;;) {
      const id = this.next;
      this.next = id >= this.max ? this.min : id + 1;
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
  }

  release(id: number): void {
    this.used.delete(id);
  }
}
