// The proxy process: its last policy (restored from disk), the redirect listeners, and the feed socket the agent connects to.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { EventBuffer } from './event-buffer.js';
import {
  type AgentMessage,
  FEED_MAX_LINE,
  FEED_VERSION,
  type ListenerStatus,
  type PolicySnapshot,
  type ProxyMessage,
  type ProxyStatus,
  type WireL7Event,
} from './feed-protocol.js';
import { FeedError, parseAgentMessage, validateSnapshot } from './feed-validate.js';
import { HandlerRegistry } from './handler-registry.js';
import { RedirectListeners } from './listeners.js';
import { readLines, writeLine } from './ndjson.js';
import type { OriginalDestinations } from './original-destination.js';
import { ProxyCounters } from './proxy-counters.js';
import { ProxyPolicy } from './proxy-policy.js';

/** Files of the proxy in the cluster's run directory. */
export const proxyPaths = (runDir: string) =>
  Object.freeze({
    socket: join(runDir, 'proxy.sock'),
    pidFile: join(runDir, 'proxy.pid'),
    /** The last snapshot applied: a restarted proxy enforces it before any agent connects. */
    state: join(runDir, 'proxy-state.json'),
  });

export interface ProxyProcessOptions {
  runDir: string;
  handlers?: HandlerRegistry;
  originals?: OriginalDestinations;
  /** Events kept while no agent is connected (default 10,000). */
  eventBuffer?: number;
  log?: (m: string) => void;
}

const EVENT_BATCH = 500;
const FLUSH_MS = 50;

export class ProxyProcess {
  readonly counters = new ProxyCounters();
  readonly events: EventBuffer;
  readonly handlers: HandlerRegistry;
  readonly listeners: RedirectListeners;
  readonly startedAt = new Date().toISOString();
  private current = ProxyPolicy.empty();
  private agent: Socket | undefined;
  private server: Server | undefined;
  private applying: Promise<unknown> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly paths: ReturnType<typeof proxyPaths>;
  private readonly log: (m: string) => void;

  private constructor(private readonly opts: ProxyProcessOptions) {
    this.paths = proxyPaths(opts.runDir);
    this.log = opts.log ?? (() => {});
    this.events = new EventBuffer(opts.eventBuffer);
    this.handlers = opts.handlers ?? new HandlerRegistry();
    this.listeners = new RedirectListeners({
      policy: () => this.current,
      handlers: this.handlers,
      counters: this.counters,
      emit: (ev) => this.onEvent(ev),
      ...(opts.originals ? { originals: opts.originals } : {}),
    });
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
  }

  /** Restores the last snapshot (listeners and policy), then opens the feed socket. */
  static async start(opts: ProxyProcessOptions): Promise<ProxyProcess> {
    mkdirSync(opts.runDir, { recursive: true });
    const p = new ProxyProcess(opts);
    await p.restore();
    await p.listenFeed();
    return p;
  }

  get revision(): number {
    return this.current.revision;
  }

  policy(): ProxyPolicy {
    return this.current;
  }

  private async restore(): Promise<void> {
    if (!existsSync(this.paths.state)) return;
    try {
      const snapshot = validateSnapshot(JSON.parse(readFileSync(this.paths.state, 'utf8')), 'state');
      await this.apply(snapshot, false);
      this.log(`restored revision ${snapshot.revision} from ${this.paths.state}`);
    } catch (e) {
      this.log(`ignoring ${this.paths.state}: ${(e as Error).message}`);
    }
  }

  /** Applies a validated snapshot: listeners first, then the policy is swapped in; persisted for restarts. */
  apply(snapshot: PolicySnapshot, persist = true): Promise<ListenerStatus[]> {
    const run = this.applying.then(async () => {
      const listeners = await this.listeners.reconcile(snapshot.listeners);
      this.current = new ProxyPolicy(snapshot);
      if (persist) {
        const tmp = `${this.paths.state}.tmp`;
        writeFileSync(tmp, JSON.stringify(snapshot));
        renameSync(tmp, this.paths.state);
      }
      return listeners;
    });
    this.applying = run.catch(() => {});
    return run;
  }

  status(): ProxyStatus {
    return {
      pid: process.pid,
      startedAt: this.startedAt,
      revision: this.current.revision,
      agentConnected: this.agent !== undefined,
      listeners: this.listeners.status(),
      connections: { open: this.counters.openConnections, total: this.counters.get('connections') },
      counters: this.counters.snapshot(),
      events: { buffered: this.events.size, dropped: this.events.dropped, sent: this.events.sent },
    };
  }

  private listenFeed(): Promise<void> {
    rmSync(this.paths.socket, { force: true });
    this.server = createServer((s) => this.onAgent(s));
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.paths.socket, () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
  }

  private send(m: ProxyMessage): void {
    if (this.agent) writeLine(this.agent, m);
  }

  private onAgent(s: Socket): void {
    // One agent at a time: a newer connection (a restarted agent) replaces the old one.
    this.agent?.destroy();
    this.agent = s;
    s.on('error', () => {});
    s.on('close', () => {
      if (this.agent === s) this.agent = undefined;
    });
    this.send({
      type: 'hello',
      version: FEED_VERSION,
      pid: process.pid,
      startedAt: this.startedAt,
      revision: this.current.revision,
    });
    readLines(
      s,
      FEED_MAX_LINE,
      (line) => this.onLine(s, line),
      () => {
        this.counters.add('feed-refused');
        writeLine(s, { type: 'error', error: `message longer than ${FEED_MAX_LINE} bytes` });
      },
    );
  }

  private onLine(s: Socket, line: string): void {
    let m: AgentMessage;
    try {
      m = parseAgentMessage(line);
    } catch (e) {
      this.counters.add('feed-refused');
      const revision = revisionOf(line);
      const error = e instanceof FeedError ? e.message : String(e);
      this.log(`feed: refused: ${error}`);
      writeLine(s, revision === undefined ? { type: 'error', error } : { type: 'nack', revision, error });
      return;
    }
    if (m.type === 'status') {
      writeLine(s, { type: 'status', id: m.id, status: this.status() });
      return;
    }
    const revision = m.snapshot.revision;
    this.apply(m.snapshot).then(
      (listeners) => writeLine(s, { type: 'ack', revision, listeners }),
      (e: Error) => writeLine(s, { type: 'nack', revision, error: e.message }),
    );
  }

  private flushScheduled = false;

  /** Buffered; sent at the end of this turn of the event loop when an agent is connected. */
  private onEvent(ev: WireL7Event): void {
    this.events.push(ev);
    if (!this.agent || this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (!this.agent || this.events.size === 0) return;
    while (this.events.size > 0) {
      const { events, dropped } = this.events.take(EVENT_BATCH);
      this.send({ type: 'events', events: events as WireL7Event[], dropped });
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.flush();
    this.listeners.close();
    this.agent?.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    rmSync(this.paths.socket, { force: true });
    this.opts.originals?.[Symbol.dispose]();
  }
}

/** The revision a refused snapshot line claims, to name it in the nack (best effort). */
function revisionOf(line: string): number | undefined {
  const m = /"revision"\s*:\s*(\d+)/.exec(line);
  return m && /"type"\s*:\s*"snapshot"/.test(line) ? Number(m[1]) : undefined;
}
