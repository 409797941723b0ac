/// <reference lib="dom" />
// The web UI in Chromium against a headless agent (no kernel): map, flows, editor, impact preview, apply, keyboard and labels.
// The same story on a real cluster, with the kernel's verdicts, is test/ui/ui-cluster.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { TOKEN_HEADER } from '../../src/ui-server/index.js';
import { starWarsObjects } from '../insight/synthetic-cluster.js';
import { browserMissing, launchBrowser, openPage, pageErrors } from './browser.js';
import { accessibleNameProblems, tabUntil } from './page-checks.js';
import { startUiFixture, starWarsTraffic, type UiFixture, uiMissing } from './ui-fixture.js';

const L3L4 = readFileSync(new URL('../../../examples/starwars/policy/l3-l4.yaml', import.meta.url), 'utf8');
const skip = browserMissing() ?? uiMissing();

async function setYaml(page: Page, text: string): Promise<void> {
  const editor = page.getByRole('textbox', { name: 'Policy YAML' });
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await editor.fill(text);
}

async function yamlText(page: Page): Promise<string> {
  return page.locator('.cm-content').innerText();
}

describe('web UI (headless agent)', { skip }, () => {
  let fx: UiFixture;
  let browser: Browser;
  let page: Page;

  before(async () => {
    fx = await startUiFixture(starWarsObjects());
    starWarsTraffic(fx.agent);
    browser = await launchBrowser();
    page = await openPage(browser, `${fx.url}map`);
  });

  after(async () => {
    await browser?.close();
    await fx?.close();
  });

  test('the map shows every namespace, the workloads and the edges after traffic; the namespace filter hides one', async () => {
    await page.locator('[data-node="default/Deployment/deathstar"]').waitFor();
    for (const id of [
      'default/label/app.kubernetes.io/name=tiefighter',
      'default/label/app.kubernetes.io/name=xwing',
      'kube-system/kube-dns',
    ])
      assert.equal(await page.locator(`[data-node="${id}"]`).count(), 1, id);
    const edges = await page
      .locator('[data-edge]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-edge')));
    assert.ok(
      edges.includes('default/label/app.kubernetes.io/name=xwing->default/Deployment/deathstar'),
      edges.join('\n'),
    );
    assert.ok(edges.includes('default/label/app.kubernetes.io/name=tiefighter->kube-system/kube-dns'));
    const label = await page
      .locator('[data-edge="default/label/app.kubernetes.io/name=tiefighter->default/Deployment/deathstar"]')
      .getAttribute('aria-label');
    assert.match(label ?? '', /tiefighter to deathstar: 5 forwarded on 80\/TCP/);
    await page.getByRole('checkbox', { name: 'kube-system' }).click();
    await page.locator('[data-node="kube-system/kube-dns"]').waitFor({ state: 'detached' });
    await page.getByRole('checkbox', { name: 'kube-system' }).click();
    await page.locator('[data-node="kube-system/kube-dns"]').waitFor();
  });

  test('clicking an edge shows its links and its flows', async () => {
    await page
      .locator('[data-edge="default/label/app.kubernetes.io/name=xwing->default/Deployment/deathstar"]')
      .click();
    const panel = page.getByTestId('edge-panel');
    await panel.getByText('xwing → deathstar').waitFor();
    await panel.locator('tr[data-verdict="forwarded"]').waitFor();
    await panel.locator('.mini-flows li').first().waitFor();
    const flows = await panel.locator('.mini-flows li').allInnerTexts();
    assert.ok(flows.length >= 3);
    assert.ok(
      flows.every((f) => f.includes('default/xwing') && f.includes('80/TCP')),
      flows.join('\n'),
    );
    await panel.getByRole('button', { name: 'Close the edge details' }).click();
  });

  test('flows: the table filters with observe flags, and a flow explains its verdict', async () => {
    await page.getByRole('link', { name: 'Flows' }).click();
    await page.getByTestId('flow-table').locator('tbody tr[data-verdict]').first().waitFor();
    await page.getByLabel('Side').selectOption('from');
    await page.getByLabel('Filter kind').selectOption('pod');
    await page.getByLabel('Filter value').fill('xwing');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await page.getByText('porin observe --from-pod xwing').waitFor();
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="flow-table"] tbody tr[data-verdict]')];
      return rows.length > 0 && rows.every((r) => r.textContent?.startsWith('default/xwing'));
    });
    const count = await page.getByTestId('flow-table').locator('tbody tr[data-verdict]').count();
    // 3 landing connections and a DNS query, each reported on the xwing's egress and the peer's ingress.
    assert.equal(count, 8);
    await page.getByTestId('flow-table').locator('tbody tr[data-verdict]').first().click();
    await page.getByTestId('flow-explanation').waitFor();
    assert.match(
      await page.getByTestId('flow-explanation').innerText(),
      /^Forwarded: no policy selects this endpoint/,
    );
    await page.getByRole('button', { name: 'Close the flow details' }).click();
    await page.getByRole('button', { name: /^Remove filter/ }).click();
  });

  test('the editor: an invalid policy shows its field-path error at its line; a stray dash is a warning', async () => {
    await page.getByRole('link', { name: 'Policy editor' }).click();
    await setYaml(page, L3L4.replace('port: "80"', 'port: "99999"'));
    const problems = page.getByTestId('problems');
    await problems.getByText('spec.ingress[0].toPorts[0].ports[0].port').waitFor();
    const text = await problems.innerText();
    assert.match(
      text,
      /error\s+line 18 spec\.ingress\[0\]\.toPorts\[0\]\.ports\[0\]\.port: "99999" is not a valid port/,
    );
    await page.locator('.cm-lintRange-error').first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'Apply…' }).isDisabled(), true);
    await setYaml(page, L3L4.replace('      toPorts:', '    - toPorts:'));
    await problems.getByText(/remove the "-" before toPorts/).waitFor();
    assert.match(
      await problems.innerText(),
      /warning\s+line 16 spec\.ingress\[1\]: ingress\[0\] and ingress\[1\] are two rules/,
    );
  });

  test('visual and YAML views stay in sync both ways', async () => {
    await setYaml(page, L3L4);
    const visual = page.getByTestId('visual-editor');
    await visual.getByText('pods org=empire').waitFor();
    await page.getByTestId('selected-count').getByText('2 pods selected now').waitFor();
    // A controlled checkbox: the click edits the YAML, and the YAML re-renders the box.
    await visual.getByRole('checkbox', { name: 'Default deny egress' }).click();
    await page.waitForFunction(() => document.querySelector('.cm-content')?.textContent?.includes('egress:'));
    assert.equal(await visual.getByRole('checkbox', { name: 'Default deny egress' }).isChecked(), true);
    await visual.getByRole('button', { name: 'Allow DNS to kube-dns' }).click();
    await page.waitForFunction(() =>
      document.querySelector('.cm-content')?.textContent?.includes('k8s-app: kube-dns'),
    );
    assert.ok(!(await yamlText(page)).includes('- {}'), 'the DNS rule replaced the empty rule');
    await visual.getByText('namespace kube-system · pods k8s:k8s-app=kube-dns').waitFor();
    await setYaml(page, L3L4);
    await visual.getByRole('checkbox', { name: 'Default deny egress' }).waitFor();
    assert.equal(await visual.getByRole('checkbox', { name: 'Default deny egress' }).isChecked(), false);
  });

  test('impact preview: the L3/L4 policy newly drops the xwing, drawn on the map', async () => {
    await setYaml(page, L3L4);
    await page.getByTestId('check-state').getByText('valid').waitFor();
    await page.getByRole('tab', { name: 'Impact preview' }).click();
    await page.getByRole('button', { name: 'Preview impact' }).click();
    await page.getByTestId('impact-result').waitFor();
    assert.equal(await page.getByTestId('impact-drops').innerText(), '3 new drops');
    assert.equal(await page.getByTestId('impact-allows').innerText(), '0 new allows');
    const rows = await page.getByTestId('impact-change').allInnerTexts();
    assert.equal(rows.length, 2);
    assert.ok(
      rows.every((r) => r.startsWith('default/xwing') && r.includes('new drop') && r.includes('rule1')),
      rows.join('\n'),
    );
    await page.getByRole('button', { name: 'Show on the map' }).click();
    await page
      .locator(
        '[data-impact-edge="default/label/app.kubernetes.io/name=xwing->default/Deployment/deathstar"]',
      )
      .waitFor();
    await page.getByTestId('impact-banner').getByText('3 new drops').waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
  });

  test('apply (with the diff), generate traffic: the dropped edge is named by the policy', async () => {
    await page.getByRole('link', { name: 'Policy editor' }).click();
    await page.getByRole('button', { name: 'Apply…' }).click();
    const dialog = page.getByTestId('apply-dialog');
    await dialog.getByText('+ kind: CiliumNetworkPolicy').waitFor();
    await dialog.getByRole('button', { name: 'Apply', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('CiliumNetworkPolicy default/rule1 created').waitFor();
    assert.equal((await fx.agent.objects.list('CiliumNetworkPolicy')).items.length, 1);
    await fx.agent.settle();
    assert.equal(fx.agent.datapath.connect('xwing', 'deathstar-6fb5694d-a1', 80, 'TCP', 2), 'denied');
    assert.equal(fx.agent.datapath.connect('tiefighter', 'deathstar-6fb5694d-a1', 80, 'TCP', 1), 'allowed');
    await page.getByRole('link', { name: 'Service map' }).click();
    const edge = page.locator(
      '[data-edge="default/label/app.kubernetes.io/name=xwing->default/Deployment/deathstar"]',
    );
    await page.waitForFunction(() =>
      document
        .querySelector(
          '[data-edge="default/label/app.kubernetes.io/name=xwing->default/Deployment/deathstar"]',
        )
        ?.getAttribute('data-verdicts')
        ?.includes('dropped'),
    );
    assert.match((await edge.getAttribute('aria-label')) ?? '', /2 dropped by rule1/);
    await edge.click();
    await page
      .getByTestId('edge-panel')
      .locator('tr[data-verdict="dropped"]')
      .getByText('default deny: default/rule1')
      .waitFor();
  });

  test('generate from traffic proposes a policy for the deathstar from its observed connections', async () => {
    await page.getByRole('link', { name: 'Policy editor' }).click();
    await page.getByRole('tab', { name: 'Generate from traffic' }).click();
    await page.getByLabel('Workload').selectOption('default/Deployment/deathstar');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForFunction(() =>
      document.querySelector('.cm-content')?.textContent?.includes('deathstar-from-traffic'),
    );
    const yaml = await yamlText(page);
    assert.match(yaml, /app\.kubernetes\.io\/name: tiefighter/);
    // The xwing landed on deathstar-…-b2 before rule1 (kept); its connections to -a1 were dropped since (left out).
    assert.match(yaml, /app\.kubernetes\.io\/name: xwing/);
  });

  test('trace a connection from the editor: now and with the edited policy', async () => {
    await setYaml(page, L3L4.replace('org: empire\n      toPorts', 'org: alliance\n      toPorts'));
    await page.getByTestId('check-state').getByText('valid').waitFor();
    await page.getByRole('tab', { name: 'Trace' }).click();
    await page.getByLabel('From').fill('default/xwing');
    await page.getByLabel('To', { exact: true }).fill('default/deathstar-6fb5694d-a1');
    await page.getByRole('button', { name: 'Trace' }).click();
    const r = page.getByTestId('trace-result');
    await r.waitFor();
    const text = await r.innerText();
    assert.match(text, /With the policies in place: denied/);
    assert.match(text, /With the edited policy: allowed/);
  });

  test('keyboard and labels: every control has a name; Tab reaches the editor and the map edges', async () => {
    for (const view of ['Policy editor', 'Flows', 'Service map']) {
      await page.getByRole('link', { name: view }).click();
      await page.waitForTimeout(300);
      assert.deepEqual(await accessibleNameProblems(page), [], view);
    }
    await page.getByRole('link', { name: 'Policy editor' }).click();
    const reachedEditor = await tabUntil(
      page,
      () => document.activeElement?.getAttribute('aria-label') === 'Policy YAML',
      80,
    );
    assert.ok(reachedEditor, 'Tab reaches the YAML editor');
    await page.getByRole('link', { name: 'Service map' }).click();
    await page.locator('[data-edge]').first().waitFor();
    const reachedEdge = await tabUntil(
      page,
      () => document.activeElement?.hasAttribute('data-edge') ?? false,
      80,
    );
    assert.ok(reachedEdge, 'Tab reaches a map edge');
    await page.keyboard.press('Enter');
    await page.getByTestId('edge-panel').waitFor();
    assert.deepEqual(pageErrors(page), []);
  });

  test('another site cannot change state through the browser (Origin and token checks)', async () => {
    // A page of another origin (another port is another origin) posts to the UI server, as a CSRF would.
    const other = await startUiFixture([]);
    try {
      const evil = await openPage(browser, `${other.url}map`);
      const status = await evil.evaluate(async (target) => {
        const body = JSON.stringify({
          objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pwned' } }],
        });
        await fetch(`${target}api/apply`, {
          method: 'POST',
          mode: 'no-cors',
          headers: { 'content-type': 'text/plain' },
          body,
        }).catch(() => undefined);
        const withToken = await fetch(`${target}api/apply`, {
          method: 'POST',
          headers: { 'x-porin-token': 'guess' },
          body,
        }).then(
          (r) => r.status,
          () => 'blocked',
        );
        return withToken;
      }, fx.url);
      assert.equal(
        status,
        'blocked',
        'a cross-origin request with a custom header never gets an answer to read',
      );
      assert.equal(
        (await fx.agent.objects.list('Namespace')).items.some((n) => n.metadata.name === 'pwned'),
        false,
      );
      assert.ok(TOKEN_HEADER);
    } finally {
      await other.close();
    }
  });
});
