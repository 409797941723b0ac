// The L7 proxy's entry point: a process of its own, started by the agent and outliving it (`node dist/src/proxy/main.js --run-dir DIR`).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentFqdnSender, configureDnsHandlers, FqdnRelay } from './dns/index.js';
import type { ParserType } from './feed-protocol.js';
import { PARSER_TYPES } from './feed-protocol.js';
import { HandlerRegistry } from './handler-registry.js';
import { type OriginalDestinations, openOriginalDestinations } from './original-destination.js';
import { ProxyProcess, proxyPaths } from './proxy-process.js';

/*
 *   --run-dir DIR     feed socket, pid file and last-policy file (the cluster's run directory)
 *   --pin-dir DIR     where the datapath pins its maps (UDP original destinations); optional
 *   --handler TYPE=MODULE[:STREAM_EXPORT[:DATAGRAM_EXPORT]]   an extra or replacement handler (tests)
 *   --no-builtin-handlers
 *   --event-buffer N  L7 events kept while no agent is connected (default 10,000)
 *   --agent-socket P  the agent's API (allowed DNS answers go to its FQDN layer); default <run-dir>/agent.sock
 */
function parseArgs(argv: string[]) {
  const out = {
    runDir: '',
    pinDir: '',
    agentSocket: '',
    handlers: [] as string[],
    builtins: true,
    eventBuffer: 10_000,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--run-dir') out.runDir = argv[++i] ?? '';
    else if (a === '--pin-dir') out.pinDir = argv[++i] ?? '';
    else if (a === '--handler') out.handlers.push(argv[++i] ?? '');
    else if (a === '--no-builtin-handlers') out.builtins = false;
    else if (a === '--event-buffer') out.eventBuffer = Number(argv[++i]);
    else if (a === '--agent-socket') out.agentSocket = argv[++i] ?? '';
    else throw new Error(`unknown argument ${a}`);
  }
  if (!out.runDir) throw new Error('--run-dir is required');
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const log = (m: string) => process.stderr.write(`${new Date().toISOString()} proxy[${process.pid}]: ${m}\n`);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const paths = proxyPaths(args.runDir);
  try {
    const other = Number(readFileSync(paths.pidFile, 'utf8').trim());
    if (other > 1 && other !== process.pid && alive(other)) {
      log(`another proxy (pid ${other}) serves ${args.runDir}; exiting`);
      process.exit(3);
    }
  } catch {
    // no pid file
  }
  const handlers = new HandlerRegistry();
  if (args.builtins) {
    await handlers.loadBuiltins();
    // DNS answers the policy allowed feed the agent's FQDN layer; queued (and replayed) while it is away.
    const socket = args.agentSocket || join(args.runDir, 'agent.sock');
    configureDnsHandlers({
      fqdn: new FqdnRelay({
        send: agentFqdnSender(socket),
        onDropped: (n) => log(`${n} DNS answer(s) not delivered to the agent (queue full)`),
      }),
    });
  }
  for (const h of args.handlers) {
    const [type, rest = ''] = h.split('=', 2) as [string, string?];
    const [module = '', stream, datagram] = rest.split(':');
    if (!(PARSER_TYPES as readonly string[]).includes(type))
      throw new Error(`--handler: unknown type ${type}`);
    await handlers.load(type as ParserType, {
      module,
      ...(stream ? { stream } : {}),
      ...(datagram ? { datagram } : {}),
    });
  }
  for (const [type, why] of handlers.loadErrors) log(`no ${type} handler: ${why}`);
  let originals: OriginalDestinations | undefined;
  if (args.pinDir) {
    try {
      originals = openOriginalDestinations(args.pinDir);
    } catch (e) {
      log(`UDP original destinations unavailable (${(e as Error).message}): datagrams will be dropped`);
    }
  }
  const proxy = await ProxyProcess.start({
    runDir: args.runDir,
    handlers,
    eventBuffer: args.eventBuffer,
    ...(originals ? { originals } : {}),
    log,
  });
  writeFileSync(paths.pidFile, String(process.pid));
  log(`ready: revision ${proxy.revision}, feed ${paths.socket}`);
  // A handler bug must cost one connection, never the proxy and every other connection with it.
  process.on('uncaughtException', (e) => {
    proxy.counters.add('handler-error');
    log(`uncaught: ${e.stack ?? e}`);
  });
  const stop = () => {
    void proxy.close().finally(() => {
      rmSync(paths.pidFile, { force: true });
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: Error) => {
  log(`fatal: ${e.message}`);
  process.exit(1);
});
