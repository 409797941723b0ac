// Endpoint ids (u16, as the datapath keys them): one per pod, stable across agent restarts.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const MAX_ENDPOINT_ID = 65535;

export class EndpointIds {
  private readonly byKey: Map<string, number>;

  constructor(private readonly file: string) {
    let saved: Record<string, number> = {};
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
    } catch {
      // first start
    }
    this.byKey = new Map(Object.entries(saved));
  }

  get(key: string): number | undefined {
    return this.byKey.get(key);
  }

  acquire(key: string): number {
    const have = this.byKey.get(key);
    if (have !== undefined) return have;
    const used = new Set(this.byKey.values());
    let id = 1;
    while (used.has(id)) id++;
    if (id > MAX_ENDPOINT_ID) throw new Error('no endpoint id left');
    this.byKey.set(key, id);
    this.save();
    return id;
  }

  release(key: string): void {
    if (this.byKey.delete(key)) this.save();
  }

  entries(): [string, number][] {
    return [...this.byKey.entries()];
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(`${this.file}.tmp`, JSON.stringify(Object.fromEntries(this.byKey)));
    renameSync(`${this.file}.tmp`, this.file);
  }
}
