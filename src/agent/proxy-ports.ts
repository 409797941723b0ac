// The L7 proxy's ports: one per parser type from 10000–20000 (Cilium's range), allocated once and kept in the state dir.
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Direction, PolicyEntry } from '../policy/index.js';
import { type ListenerSpec, PARSER_TYPES, type ParserType } from '../proxy/feed-protocol.js';

export const PROXY_PORT_MIN = 10000;
export const PROXY_PORT_MAX = 20000;

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '0.0.0.0', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '0.0.0.0', () => s.close(() => resolve(true)));
  });
}

/**
 * Ports are stable for the life of the cluster (the state file): the datapath's policy entries and the
 * proxy's listeners name them, and both outlive an agent restart.
 */
export class ProxyPorts {
  private ports: Partial<Record<ParserType, number>> = {};

  constructor(private readonly file: string) {
    if (existsSync(file)) {
      try {
        const v = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        for (const t of PARSER_TYPES) {
          const p = v[t];
          if (typeof p === 'number' && p >= PROXY_PORT_MIN && p <= PROXY_PORT_MAX) this.ports[t] = p;
        }
      } catch {
        // unreadable: allocate afresh
      }
    }
  }

  /** Allocates a free port for each parser without one (TCP, and UDP for dns) and saves them. */
  async ensure(): Promise<ListenerSpec[]> {
    const used = new Set(Object.values(this.ports));
    let changed = false;
    for (const type of PARSER_TYPES) {
      if (this.ports[type] !== undefined) continue;
      for (let p = PROXY_PORT_MIN; p <= PROXY_PORT_MAX; p++) {
        if (used.has(p) || !(await tcpFree(p)) || (type === 'dns' && !(await udpFree(p)))) continue;
        this.ports[type] = p;
        used.add(p);
        changed = true;
        break;
      }
    }
    if (changed) {
      writeFileSync(`${this.file}.tmp`, JSON.stringify(this.ports));
      renameSync(`${this.file}.tmp`, this.file);
    }
    return this.listeners();
  }

  listeners(): ListenerSpec[] {
    return PARSER_TYPES.flatMap((type) => (this.ports[type] ? [{ type, port: this.ports[type]! }] : []));
  }

  port(type: ParserType): number {
    return this.ports[type] ?? 0;
  }

  /** The port a redirect entry's L7 rules need (the first rule set's parser); 0 before allocation. */
  forEntry = (entry: PolicyEntry, _direction: Direction): number => {
    const type = entry.l7?.[0]?.type;
    return type ? this.port(type) : 0;
  };
}
