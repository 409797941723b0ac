// Writes the documentation's screenshots (docs/ui/*.png) from the Star Wars demo on a headless agent: `node dist/test/ui/screenshots.js [DIR]`.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { L3L4_POLICY, starWarsObjects } from '../insight/synthetic-cluster.js';
import { launchBrowser, openPage } from './browser.js';
import { startUiFixture, starWarsTraffic } from './ui-fixture.js';

const out = resolve(process.argv[2] ?? 'docs/ui');
mkdirSync(out, { recursive: true });

async function typeYaml(page: Page, text: string): Promise<void> {
  const editor = page.getByRole('textbox', { name: 'Policy YAML' });
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await editor.fill(text);
}

const fx = await startUiFixture(starWarsObjects());
const browser = await launchBrowser();
try {
  starWarsTraffic(fx.agent);
  const page = await openPage(browser, `${fx.url}map`);
  await page.locator('[data-edge]').first().waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, 'map.png') });

  await page.getByRole('link', { name: 'Policy editor' }).click();
  await typeYaml(page, L3L4_POLICY.trim().replace('port: "80"', 'port: "99999"'));
  await page.getByTestId('problems').waitFor();
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(out, 'editor-error.png') });

  await typeYaml(page, L3L4_POLICY.trim());
  await page.getByText('valid', { exact: true }).waitFor();
  await page.getByRole('tab', { name: 'Impact preview' }).click();
  await page.getByRole('button', { name: 'Preview impact' }).click();
  await page.getByTestId('impact-result').waitFor();
  await page.screenshot({ path: join(out, 'editor-impact.png') });
  await page.getByRole('button', { name: 'Show on the map' }).click();
  await page.locator('[data-impact-edge]').first().waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, 'map-impact.png') });

  await page.getByRole('link', { name: 'Policy editor' }).click();
  await page.getByRole('button', { name: 'Apply…' }).click();
  await page.getByTestId('apply-dialog').getByText('+ kind: CiliumNetworkPolicy').waitFor();
  await page.screenshot({ path: join(out, 'editor-apply.png') });
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await page.getByTestId('apply-dialog').waitFor({ state: 'hidden' });
  await fx.agent.settle();
  fx.agent.datapath.connect('xwing', 'deathstar-6fb5694d-a1', 80, 'TCP', 2);
  fx.agent.datapath.connect('tiefighter', 'deathstar-6fb5694d-b2', 80, 'TCP', 1);

  await page.getByRole('link', { name: 'Flows' }).click();
  await page.getByTestId('flow-table').locator('tr[data-verdict="DROPPED"]').first().click();
  await page.getByTestId('flow-explanation').waitFor();
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(out, 'flows.png') });

  await page.getByRole('link', { name: 'Service map' }).click();
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.waitForTimeout(500);
  await page.locator('[data-edge*="xwing"]').first().click();
  await page.getByTestId('edge-panel').waitFor();
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(out, 'map-dropped-edge.png') });
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
  await fx.close();
}
