// One endpoint's DNS cache: name → addresses with expiry, and the expired addresses connections may still use (zombies).

/** One address learned for a name by one lookup (times are wall-clock milliseconds). */
export interface DnsLookupEntry {
  readonly ip: string;
  readonly ttl: number;
  readonly lookupAt: number;
  readonly expiresAt: number;
}

/** An expired address kept while the endpoint may still have connections to it. */
export interface DnsZombie {
  readonly ip: string;
  readonly names: readonly string[];
  readonly deathAt: number;
  /** Last time a connection to it was seen open. */
  readonly aliveAt?: number;
}

export interface EndpointDnsCacheJson {
  lookups: { name: string; ip: string; ttl: number; lookupAt: number; expiresAt: number }[];
  zombies: { ip: string; names: string[]; deathAt: number; aliveAt?: number }[];
}

interface Zombie {
  names: Set<string>;
  deathAt: number;
  aliveAt?: number;
}

export class EndpointDnsCache {
  private readonly byName = new Map<string, Map<string, DnsLookupEntry>>();
  private readonly byIp = new Map<string, Set<string>>();
  private readonly zombies = new Map<string, Zombie>();

  /**
   * Records the addresses of one answer (name normalized by the caller). An address already known keeps the
   * later expiry. Over `maxPerName`, the entries that expire soonest become zombies (their connections live on).
   * Returns the addresses whose set of names may have changed.
   */
  record(name: string, ips: readonly string[], ttl: number, now: number, maxPerName: number): string[] {
    let entries = this.byName.get(name);
    if (!entries) {
      entries = new Map();
      this.byName.set(name, entries);
    }
    const changed: string[] = [];
    const expiresAt = now + ttl * 1000;
    for (const ip of ips) {
      const cur = entries.get(ip);
      if (!cur) changed.push(ip);
      if (!cur || cur.expiresAt <= expiresAt) entries.set(ip, { ip, ttl, lookupAt: now, expiresAt });
      this.index(ip, name, true);
      const z = this.zombies.get(ip);
      if (z?.names.delete(name) && z.names.size === 0) this.zombies.delete(ip);
    }
    if (entries.size > maxPerName) {
      const soonest = [...entries.values()].sort((a, b) => a.expiresAt - b.expiresAt);
      for (const e of soonest.slice(0, entries.size - maxPerName)) {
        this.kill(name, e.ip, now);
        changed.push(e.ip);
      }
    }
    return changed;
  }

  /** Moves every entry expired at `now` to the zombies; returns their addresses. */
  expire(now: number): string[] {
    const out: string[] = [];
    for (const [name, entries] of this.byName) {
      for (const e of [...entries.values()]) {
        if (e.expiresAt > now) continue;
        this.kill(name, e.ip, now);
        out.push(e.ip);
      }
    }
    return out;
  }

  /**
   * Drops the zombies no connection uses any more: a zombie stays while `live` holds its address, or for
   * `graceMs` after a connection was last seen; then the oldest dead ones go first above `max`.
   * Returns the addresses dropped.
   */
  collectZombies(now: number, live: ReadonlySet<string>, graceMs: number, max: number): string[] {
    const out: string[] = [];
    for (const [ip, z] of this.zombies) {
      if (live.has(ip)) z.aliveAt = now;
      else if (z.aliveAt === undefined || now - z.aliveAt >= graceMs) {
        this.zombies.delete(ip);
        out.push(ip);
      }
    }
    if (this.zombies.size > max) {
      const order = [...this.zombies].sort(
        (a, b) =>
          Number(live.has(a[0])) - Number(live.has(b[0])) ||
          (a[1].aliveAt ?? a[1].deathAt) - (b[1].aliveAt ?? b[1].deathAt),
      );
      for (const [ip] of order.slice(0, this.zombies.size - max)) {
        this.zombies.delete(ip);
        out.push(ip);
      }
    }
    return out;
  }

  /** The names an address is known by here: current lookups and zombies. */
  namesOf(ip: string): string[] {
    const names = new Set(this.byIp.get(ip) ?? []);
    for (const n of this.zombies.get(ip)?.names ?? []) names.add(n);
    return [...names];
  }

  /** Every address held (lookups and zombies). */
  ips(): string[] {
    return [...new Set([...this.byIp.keys(), ...this.zombies.keys()])];
  }

  lookups(): { name: string; entries: DnsLookupEntry[] }[] {
    return [...this.byName].map(([name, m]) => ({ name, entries: [...m.values()] }));
  }

  zombieList(): DnsZombie[] {
    return [...this.zombies].map(([ip, z]) => ({
      ip,
      names: [...z.names],
      deathAt: z.deathAt,
      ...(z.aliveAt !== undefined ? { aliveAt: z.aliveAt } : {}),
    }));
  }

  get empty(): boolean {
    return this.byName.size === 0 && this.zombies.size === 0;
  }

  toJSON(): EndpointDnsCacheJson {
    return {
      lookups: this.lookups().flatMap(({ name, entries }) => entries.map((e) => ({ name, ...e }))),
      zombies: this.zombieList().map((z) => ({ ...z, names: [...z.names] })),
    };
  }

  static fromJSON(j: EndpointDnsCacheJson): EndpointDnsCache {
    const c = new EndpointDnsCache();
    for (const l of j.lookups ?? []) {
      let m = c.byName.get(l.name);
      if (!m) {
        m = new Map();
        c.byName.set(l.name, m);
      }
      m.set(l.ip, { ip: l.ip, ttl: l.ttl, lookupAt: l.lookupAt, expiresAt: l.expiresAt });
      c.index(l.ip, l.name, true);
    }
    for (const z of j.zombies ?? []) {
      c.zombies.set(z.ip, {
        names: new Set(z.names),
        deathAt: z.deathAt,
        ...(z.aliveAt !== undefined ? { aliveAt: z.aliveAt } : {}),
      });
    }
    return c;
  }

  private kill(name: string, ip: string, now: number): void {
    const entries = this.byName.get(name);
    entries?.delete(ip);
    if (entries?.size === 0) this.byName.delete(name);
    this.index(ip, name, false);
    let z = this.zombies.get(ip);
    if (!z) {
      z = { names: new Set(), deathAt: now };
      this.zombies.set(ip, z);
    }
    z.names.add(name);
    z.deathAt = Math.max(z.deathAt, now);
  }

  private index(ip: string, name: string, add: boolean): void {
    let names = this.byIp.get(ip);
    if (add) {
      if (!names) {
        names = new Set();
        this.byIp.set(ip, names);
      }
      names.add(name);
    } else if (names) {
      names.delete(name);
      if (names.size === 0) this.byIp.delete(ip);
    }
  }
}
