// `porin ui`: serves the web UI on 127.0.0.1:12000 from the user's network namespace, talking to the agent over its socket.
import { isApiError } from '../api/api-error.js';
import { clusterConfig, paths } from '../config/cluster-config.js';
import { DEFAULT_UI_ADDRESS, DEFAULT_UI_PORT, UiServer } from '../ui-server/index.js';
import { CliError } from './cli-error.js';
import type { Out } from './output.js';
import { parseFlags } from './parse-flags.js';

const USAGE = `Usage: porin ui [--port ${DEFAULT_UI_PORT}] [--address ${DEFAULT_UI_ADDRESS}] [--socket PATH]

Serves the web UI (service map, live flows, policy editor) on http://${DEFAULT_UI_ADDRESS}:${DEFAULT_UI_PORT}/
until interrupted. It reads the agent over its Unix socket, so it works for a cluster in its own network
namespace too. Loopback addresses only (127.0.0.1, ::1, localhost).

  --port N        TCP port (default ${DEFAULT_UI_PORT}; 0 picks a free one)
  --address A     loopback address to listen on
  --socket PATH   the agent's API socket (default: the cluster configuration's, $PORIN_RUN_DIR/agent.sock)
`;

export interface UiDeps {
  /** Ends serving (default: SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Told the URL once listening. */
  onListening?: (url: string) => void;
}

export async function uiCommand(args: string[], out: Out, deps: UiDeps = {}): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    {
      port: { type: 'string' },
      address: { type: 'string' },
      socket: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) {
    out.write(USAGE);
    return 0;
  }
  if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"\n\n${USAGE}`);
  const port = values.port === undefined ? DEFAULT_UI_PORT : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || port > 65535)
    throw new CliError(`--port must be 0-65535, got "${values.port}"`);
  let server: UiServer;
  try {
    server = new UiServer({
      agentSocket: values.socket ?? paths(clusterConfig()).socket,
      port,
      address: values.address ?? DEFAULT_UI_ADDRESS,
    });
  } catch (e) {
    if (isApiError(e)) throw new CliError(e.message);
    throw e;
  }
  if (!server.built)
    throw new CliError('the web UI was not built (no dist/ui/index.html): run npm run build');
  try {
    await server.listen();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new CliError(
        `${values.address ?? DEFAULT_UI_ADDRESS}:${port} is in use (is the agent already serving the UI there? open it, or pick --port)`,
      );
    throw new CliError(
      `cannot listen on ${values.address ?? DEFAULT_UI_ADDRESS}:${port}: ${(e as Error).message}`,
    );
  }
  out.write(`Porin UI: ${server.url}  (agent socket ${server.options.agentSocket}; Ctrl-C to stop)\n`);
  deps.onListening?.(server.url);
  await new Promise<void>((resolve) => {
    if (deps.signal) {
      if (deps.signal.aborted) resolve();
      deps.signal.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
