// Protocol handlers by parser type: the built-in modules (src/proxy/http, kafka, dns) plug in by their export names.
import type { ParserType } from './feed-protocol.js';
import type { L7DatagramHandler, L7Handler } from './l7-handler.js';

export interface HandlerSet {
  /** Connections (HTTP/1.1, HTTP/2, gRPC; Kafka; DNS over TCP). */
  stream?: L7Handler;
  /** Datagrams (DNS over UDP). */
  datagram?: L7DatagramHandler;
}

/**
 * Where each parser's handler lives. A module that is not there (not written yet, or left out of a
 * build) leaves its parser without a handler: its listener stays open, but every connection is closed
 * and counted (`no-handler`) — redirected traffic is never let through unjudged.
 */
export const BUILTIN_HANDLERS: Readonly<
  Record<ParserType, { module: string; stream?: string; datagram?: string }>
> = {
  http: { module: './http/index.js', stream: 'handleHttp' },
  kafka: { module: './kafka/index.js', stream: 'handleKafka' },
  dns: { module: './dns/index.js', stream: 'handleDnsStream', datagram: 'handleDnsDatagram' },
};

export class HandlerRegistry {
  private readonly handlers = new Map<ParserType, HandlerSet>();
  /** Why a built-in module could not be loaded, by parser. */
  readonly loadErrors = new Map<ParserType, string>();

  register(type: ParserType, set: HandlerSet): void {
    this.handlers.set(type, { ...this.handlers.get(type), ...set });
  }

  get(type: ParserType): HandlerSet {
    return this.handlers.get(type) ?? {};
  }

  /**
   * Imports `module` (resolved against this folder unless absolute) and registers the named exports.
   * Returns false (and remembers why) when the module or an export is missing.
   */
  async load(
    type: ParserType,
    spec: { module: string; stream?: string; datagram?: string },
  ): Promise<boolean> {
    let mod: Record<string, unknown>;
    try {
      const url = spec.module.startsWith('/')
        ? `file://${spec.module}`
        : new URL(spec.module, import.meta.url).href;
      mod = (await import(url)) as Record<string, unknown>;
    } catch (e) {
      this.loadErrors.set(type, `${spec.module}: ${(e as Error).message.split('\n')[0]}`);
      return false;
    }
    const set: HandlerSet = {};
    if (spec.stream) {
      if (typeof mod[spec.stream] === 'function') set.stream = mod[spec.stream] as L7Handler;
      else this.loadErrors.set(type, `${spec.module} has no function ${spec.stream}`);
    }
    if (spec.datagram) {
      if (typeof mod[spec.datagram] === 'function') set.datagram = mod[spec.datagram] as L7DatagramHandler;
      else this.loadErrors.set(type, `${spec.module} has no function ${spec.datagram}`);
    }
    this.register(type, set);
    return set.stream !== undefined || set.datagram !== undefined;
  }

  /** Loads every built-in handler module that exists. */
  async loadBuiltins(): Promise<void> {
    for (const [type, spec] of Object.entries(BUILTIN_HANDLERS) as Array<
      [ParserType, (typeof BUILTIN_HANDLERS)[ParserType]]
    >)
      await this.load(type, spec);
  }
}
