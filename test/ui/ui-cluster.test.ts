/// <reference lib="dom" />
// The web UI end to end on an isolated Star Wars cluster: `porin ui` in the user's namespace, the agent in its own, real traffic and verdicts.
//
// Opens the map after traffic, filters flows, types an invalid policy, previews the L3/L4 policy (the
// xwing's recorded landings become new drops), applies it from the editor, lands again, and finds the
// dropped edge named by the policy. PORIN_UI_SCREENSHOTS=DIR also writes the documentation's screenshots.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ClusterHarness, REPO } from '../cluster/cluster-harness.js';
import { browserMissing, launchBrowser, openPage, pageErrors } from './browser.js';
import { uiMissing } from './ui-fixture.js';

const L3L4 = readFileSync(join(REPO, 'examples/starwars/policy/l3-l4.yaml'), 'utf8');
const shots = process.env.PORIN_UI_SCREENSHOTS;
const skip = process.getuid?.() !== 0 ? 'needs root' : (browserMissing() ?? uiMissing());

/** `porin ui --port 0` for the harness's cluster; resolves with its URL. */
function startPorinUi(h: ClusterHarness): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'porin.js'), 'ui', '--port', '0'], {
      cwd: REPO,
      env: h.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`porin ui did not start: ${out}`)), 30_000);
    const read = (d: Buffer) => {
      out += d;
      const m = /Porin UI: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]! });
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => reject(new Error(`porin ui exited ${code}: ${out}`)));
  });
}

async function setYaml(page: Page, text: string): Promise<void> {
  const editor = page.getByRole('textbox', { name: 'Policy YAML' });
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await editor.fill(text);
}

async function shot(page: Page, name: string): Promise<void> {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

describe('web UI on an isolated Star Wars cluster', { skip }, () => {
  const h = new ClusterHarness();
  let ui: { child: ChildProcess; url: string } | undefined;
  let browser: Browser;
  let page: Page;
  const land = (ship: string) =>
    h.porin([
      'exec',
      ship,
      '--',
      'curl',
      '-s',
      '-m',
      '2',
      '-XPOST',
      'deathstar.default.svc.cluster.local/v1/request-landing',
    ]);

  before(async () => {
    await h.ok(['up', '-f', 'examples/starwars']);
    for (const ship of ['tiefighter', 'xwing', 'tiefighter'])
      assert.equal((await land(ship)).code, 0, `${ship} lands`);
    ui = await startPorinUi(h);
    browser = await launchBrowser();
    page = await openPage(browser, `${ui.url}map`);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    if (ui?.child.pid) process.kill(ui.child.pid, 'SIGTERM'); // the `porin ui` this test started
    await h.cleanup();
  });

  test('the agent of an isolated cluster leaves the page to `porin ui`', () => {
    const log = readFileSync(join(h.stateDir, 'agent.log'), 'utf8');
    assert.match(log, /web UI: the agent runs in a private network namespace/);
  });

  test('the map shows the workloads and their edges after traffic', async () => {
    await page.locator('[data-node="default/Deployment/deathstar"]').waitFor({ timeout: 30_000 });
    for (const ship of ['tiefighter', 'xwing']) {
      const edge = page.locator(
        `[data-edge="default/label/app.kubernetes.io/name=${ship}->default/Deployment/deathstar"]`,
      );
      // An edge drawn level has an empty box, which Playwright calls hidden: attached is what counts.
      await edge.waitFor({ state: 'attached' });
      assert.match((await edge.getAttribute('aria-label')) ?? '', /forwarded on 80\/TCP/);
    }
    await shot(page, 'map');
  });

  test('flows filter like porin observe', async () => {
    await page.getByRole('link', { name: 'Flows' }).click();
    await page.getByLabel('Side').selectOption('from');
    await page.getByLabel('Filter value').fill('xwing');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await page.getByText('porin observe --from-pod xwing').waitFor();
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="flow-table"] tbody tr[data-verdict]')];
      return rows.length > 0 && rows.every((r) => r.textContent?.startsWith('default/xwing'));
    });
    const sources = await page
      .getByTestId('flow-table')
      .locator('tbody tr[data-verdict] td:first-child')
      .allInnerTexts();
    assert.ok(sources.length > 0 && sources.every((s) => s === 'default/xwing'), sources.join(', '));
    await page.getByRole('button', { name: /^Remove filter/ }).click();
  });

  test('an invalid policy shows its field-path error', async () => {
    await page.getByRole('link', { name: 'Policy editor' }).click();
    await setYaml(page, L3L4.replace('port: "80"', 'port: "99999"'));
    await page.getByTestId('problems').getByText('spec.ingress[0].toPorts[0].ports[0].port').waitFor();
    assert.match(
      await page.getByTestId('problems').innerText(),
      /line 18 spec\.ingress\[0\]\.toPorts\[0\]\.ports\[0\]\.port: "99999" is not a valid port/,
    );
    await shot(page, 'editor-error');
  });

  test("the impact preview lists the xwing's recorded landings as new drops", async () => {
    await setYaml(page, L3L4);
    await page.getByTestId('check-state').getByText('valid', { exact: true }).waitFor();
    await page.getByTestId('selected-count').getByText('2 pods selected now').waitFor();
    await page.getByRole('tab', { name: 'Impact preview' }).click();
    await page.getByRole('button', { name: 'Preview impact' }).click();
    await page.getByTestId('impact-result').waitFor();
    const rows = await page.getByTestId('impact-change').allInnerTexts();
    assert.ok(rows.length >= 1, 'some change');
    assert.ok(
      rows.every((r) => r.startsWith('default/xwing') && r.includes('new drop') && r.includes('rule1')),
      rows.join('\n'),
    );
    assert.match(await page.getByTestId('impact-drops').innerText(), /^[1-9]\d* new drops$/);
    assert.equal(await page.getByTestId('impact-allows').innerText(), '0 new allows');
    await shot(page, 'editor-impact');
    await page.getByRole('button', { name: 'Show on the map' }).click();
    await page
      .locator(
        '[data-impact-edge="default/label/app.kubernetes.io/name=xwing->default/Deployment/deathstar"]',
      )
      .waitFor();
    await shot(page, 'map-impact');
    await page.getByRole('button', { name: 'Clear' }).click();
  });

  test('apply from the editor; the xwing is dropped, and the map names the policy on its edge', async () => {
    await page.getByRole('link', { name: 'Policy editor' }).click();
    await page.getByRole('button', { name: 'Apply…' }).click();
    await page.getByTestId('apply-dialog').getByText('+ kind: CiliumNetworkPolicy').waitFor();
    await shot(page, 'editor-apply');
    await page.getByTestId('apply-dialog').getByRole('button', { name: 'Apply', exact: true }).click();
    await page.getByText('CiliumNetworkPolicy default/rule1 created').waitFor();
    // The kernel enforces it once the agent has applied the revision; the xwing's landing then times out.
    let code = 0;
    for (let i = 0; i < 20 && code !== 28; i++) code = (await land('xwing')).code;
    assert.equal(code, 28, 'the xwing times out');
    assert.equal((await land('tiefighter')).code, 0, 'the tiefighter still lands');
    await page.getByRole('link', { name: 'Service map' }).click();
    const id = 'default/label/app.kubernetes.io/name=xwing->default/Deployment/deathstar';
    await page.waitForFunction(
      (e) => document.querySelector(`[data-edge="${e}"]`)?.getAttribute('data-verdicts')?.includes('dropped'),
      id,
      {
        timeout: 30_000,
      },
    );
    assert.match(
      (await page.locator(`[data-edge="${id}"]`).getAttribute('aria-label')) ?? '',
      /dropped by rule1/,
    );
    await page.locator(`[data-edge="${id}"]`).click();
    await page
      .getByTestId('edge-panel')
      .locator('tr[data-verdict="dropped"]')
      .getByText('default deny: default/rule1')
      .waitFor();
    await shot(page, 'map-dropped-edge');
    await page.getByRole('link', { name: 'Flows' }).click();
    await page.getByRole('combobox', { name: 'Verdict' }).selectOption('DROPPED');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="flow-table"] tbody tr[data-verdict]')];
      return rows.length > 0 && rows.every((r) => r.getAttribute('data-verdict') === 'DROPPED');
    });
    await page.getByTestId('flow-table').locator('tbody tr[data-verdict="DROPPED"]').first().click();
    await page.getByTestId('flow-explanation').waitFor();
    assert.match(
      await page.getByTestId('flow-explanation').innerText(),
      /^Dropped: default\/deathstar-\S+ is in default deny for ingress — selected by CiliumNetworkPolicy default\/rule1 — and no rule allows default\/xwing on 80\/TCP\.$/,
    );
    await shot(page, 'flows');
    assert.deepEqual(pageErrors(page), []);
  });
});
