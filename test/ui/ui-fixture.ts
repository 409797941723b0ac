// The UI against a headless agent (no kernel): the real UI server, the built app in dist/ui, the agent's API and routes, synthetic traffic.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Resource } from '../../src/resources/index.js';
import { UiServer } from '../../src/ui-server/index.js';
import { type HeadlessAgent, startHeadlessAgent } from '../insight/headless-agent.js';

export const UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

export function uiMissing(): string | undefined {
  return existsSync(join(UI_DIR, 'index.html'))
    ? undefined
    : `the UI is not built (${UI_DIR}): npm run build`;
}

export interface UiFixture {
  agent: HeadlessAgent;
  ui: UiServer;
  url: string;
  close(): Promise<void>;
}

export async function startUiFixture(
  objects: Resource[],
  opts: { flowDb?: string } = {},
): Promise<UiFixture> {
  const agent = await startHeadlessAgent(objects, opts);
  const ui = new UiServer({ agentSocket: agent.socketPath, port: 0, uiDir: UI_DIR });
  await ui.listen();
  return {
    agent,
    ui,
    url: ui.url,
    close: async () => {
      await ui.close();
      await agent.close();
    },
  };
}

/** Star Wars traffic: the tiefighter lands (and asks DNS), the xwing lands too while no policy stops it. */
export function starWarsTraffic(agent: HeadlessAgent): void {
  const d = agent.datapath;
  d.connect('tiefighter', 'kube-system/porin-dns', 53, 'UDP', 2);
  d.connect('tiefighter', 'deathstar-6fb5694d-a1', 80, 'TCP', 3);
  d.connect('tiefighter', 'deathstar-6fb5694d-b2', 80, 'TCP', 2);
  d.connect('xwing', 'kube-system/porin-dns', 53, 'UDP', 1);
  d.connect('xwing', 'deathstar-6fb5694d-a1', 80, 'TCP', 2);
  d.connect('xwing', 'deathstar-6fb5694d-b2', 80, 'TCP', 1);
}
