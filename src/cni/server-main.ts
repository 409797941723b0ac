// The standalone CNI server (`porin cni-server`, or `node dist/src/cni/server-main.js`): for tests and for use without an agent.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CniServer } from './cni-server.js';
import { DEFAULTS } from './plugin-config.js';

export const CNI_SERVER_USAGE = `Usage: porin cni-server [--socket PATH] [--quiet]

Serves the thin \`porin\` CNI plugin: each plugin call is forwarded here and run in this process's network
namespace (start the server in the namespace that plays the host). Prints one line when it listens, logs
each call to stderr, and exits cleanly on SIGTERM or SIGINT.

  --socket PATH   unix socket (default: the selected cluster's run directory + /cni.sock, e.g.
                  /run/porin/cni.sock); the network configuration's "socket" field must name the same path
  --quiet         no per-call log lines`;

export interface ServeCniOptions {
  /** The socket when --socket is not given (the CLI passes the selected cluster's; else /run/porin/cni.sock). */
  readonly defaultSocket?: string;
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

/** Parses the flags, serves until SIGTERM/SIGINT, returns the exit status. */
export async function serveCni(argv: readonly string[], opts: ServeCniOptions = {}): Promise<number> {
  const out = opts.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const err = opts.err ?? ((l: string) => process.stderr.write(`${l}\n`));
  let values: { socket?: string | undefined; quiet?: boolean | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        socket: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    err(`Error: ${(e as Error).message}\n\n${CNI_SERVER_USAGE}`);
    return 2;
  }
  if (values.help) {
    out(CNI_SERVER_USAGE);
    return 0;
  }
  const socket = values.socket ?? opts.defaultSocket ?? DEFAULTS.socket;
  if (!socket.startsWith('/')) {
    err(`Error: --socket must be an absolute path, got "${socket}"`);
    return 2;
  }
  let server: CniServer;
  try {
    server = await CniServer.listen({
      socket,
      ...(values.quiet ? {} : { log: (l) => err(`cni-server: ${l}`) }),
    });
  } catch (e) {
    err(`Error: cannot serve ${socket}: ${(e as Error).message}`);
    return 1;
  }
  out(`porin cni-server: listening on ${socket} (pid ${process.pid}, network namespace ${server.namespace})`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await server.close();
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await serveCni(process.argv.slice(2));
}
