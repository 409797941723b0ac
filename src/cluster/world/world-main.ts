// Entry point of the world process: `node world-main.js --config FILE --status FILE` inside the world namespace.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { WorldServerConfig } from './world-config.js';
import { WorldServer } from './world-server.js';

const { values } = parseArgs({
  options: { config: { type: 'string' }, status: { type: 'string' } },
  strict: true,
});
if (!values.config || !values.status) {
  process.stderr.write('usage: world-main.js --config FILE --status FILE\n');
  process.exit(64);
}
const configFile = values.config;
const statusFile = values.status;
const server = new WorldServer();
let chain: Promise<void> = Promise.resolve();

/** Reads the configuration and applies it; the status file says which generation is served (the controller waits on it). */
function reload(): void {
  chain = chain.then(async () => {
    let status: object;
    try {
      const c = JSON.parse(readFileSync(configFile, 'utf8')) as WorldServerConfig;
      status = await server.apply(c);
    } catch (e) {
      status = { generation: -1, pid: process.pid, listeners: [], errors: [(e as Error).message] };
    }
    const tmp = `${statusFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(status));
    renameSync(tmp, statusFile);
  });
}

process.on('SIGHUP', reload);
const stop = () => {
  setTimeout(() => process.exit(0), 2000).unref();
  void server.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
reload();
