// The agent daemon's entry point: start, log, and stop cleanly on SIGTERM/SIGINT.
import { clusterConfig } from '../config/cluster-config.js';
import { Agent } from './agent.js';

const log = (m: string) => process.stdout.write(`${new Date().toISOString()} ${m}\n`);
const agent = new Agent(clusterConfig(), log);
agent.onTeardown = () => {
  log('teardown complete; exiting');
  process.exit(0);
};

let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping (pods keep running; a new agent adopts them)`);
    void agent.stop().finally(() => process.exit(0));
  });
}

try {
  await agent.start();
} catch (e) {
  log(`fatal: ${(e as Error).stack ?? e}`);
  await agent.stop().catch(() => {});
  process.exit(1);
}
