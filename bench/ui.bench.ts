// Web UI benchmark in Chromium (performance API): page load to an interactive map, map render and pan frames, impact preview over 1M flows.
//
// A headless agent (the agent's API, flow store and insight routes; verdicts from the policy engine, no
// kernel) holds 1,000 pods in 20 namespaces talking over 5,000 pairs. The page is the built app, served by
// the real UI server. Needs Debian's chromium; `--quick`: 100 pods, 500 pairs, 10k and 100k flows.

import type { Resource } from '../src/resources/index.js';
import { manifests, namespaceObject, podObject } from '../test/insight/synthetic-cluster.js';
import { browserMissing, launchBrowser, openPage } from '../test/ui/browser.js';
import { startUiFixture, uiMissing } from '../test/ui/ui-fixture.js';
import type { BenchOptions, Measurement } from './measurement.js';

const NAMESPACES = 20;

function cluster(pods: number): Resource[] {
  const out: Resource[] = [];
  for (let n = 0; n < NAMESPACES; n++) out.push(namespaceObject(`ns-${String(n).padStart(2, '0')}`));
  for (let i = 0; i < pods; i++) {
    const k = i + 10;
    out.push(
      podObject({
        name: `app-${i}`,
        namespace: `ns-${String(i % NAMESPACES).padStart(2, '0')}`,
        labels: { app: `app-${i}`, tier: String(i % 3) },
        ip: `10.244.${Math.floor(k / 250)}.${(k % 250) + 1}`,
      }),
    );
  }
  // Half the namespaces isolate ingress to their own pods: a mix of forwarded and dropped edges.
  for (let n = 0; n < NAMESPACES; n += 2)
    out.push(
      ...manifests(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: same-namespace, namespace: ns-${String(n).padStart(2, '0')}}
spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {}}]}]
`),
    );
  return out;
}

function pairs(pods: number, count: number): [string, string][] {
  const out: [string, string][] = [];
  const key = (i: number) => `ns-${String(i % NAMESPACES).padStart(2, '0')}/app-${i}`;
  for (let k = 0; out.length < count; k++) {
    const src = k % pods;
    const dst = (src * 7 + 1 + Math.floor(k / pods) * 131) % pods;
    if (dst !== src) out.push([key(src), key(dst)]);
  }
  return out;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
}

export async function uiBench({ quick, log }: BenchOptions): Promise<Measurement[]> {
  const missing = browserMissing() ?? uiMissing();
  if (missing) {
    log(`skipped: ${missing}`);
    return [];
  }
  const pods = quick ? 100 : 1000;
  const edges = quick ? 500 : 5000;
  const loadFlows = quick ? 10_000 : 100_000;
  const previewFlows = quick ? 100_000 : 1_000_000;
  const fx = await startUiFixture(cluster(pods));
  const browser = await launchBrowser();
  const out: Measurement[] = [];
  try {
    const list = pairs(pods, edges);
    let i = 0;
    const fill = (target: number) => {
      const t0 = performance.now();
      while (fx.agent.datapath.reports < target) {
        const [a, b] = list[i++ % list.length]!;
        fx.agent.datapath.connect(a, b, 80, 'TCP', 1);
      }
      fx.agent.flowStore.flush();
      log(`  ${fx.agent.datapath.reports} flows stored in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    };
    fill(loadFlows);

    // 1. Page load to an interactive map, and the map's first render.
    const page = await openPage(browser, `${fx.url}map`);
    await page.waitForFunction(() => performance.getEntriesByName('porin:map-drawn').length > 0, undefined, {
      timeout: 120_000,
    });
    const marks = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      const drawn = performance.getEntriesByName('porin:map-drawn')[0]!;
      const graph = performance.getEntriesByName('porin:graph-received')[0]!;
      return {
        drawn: drawn.startTime,
        graph: graph.startTime,
        domReady: nav?.domContentLoadedEventEnd ?? 0,
        html: nav?.responseEnd ?? 0,
        graphFetch: (() => {
          const r = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/graph'));
          return r ? r.duration : 0;
        })(),
        nodes: document.querySelectorAll('[data-node]').length,
        edgesDrawn: document.querySelectorAll('[data-edge]').length,
        stats: document.querySelector('[data-testid="map-stats"]')?.textContent ?? '',
      };
    });
    log(
      `  ${marks.stats}; drawn ${marks.nodes} nodes and ${marks.edgesDrawn} edges in view; page at ${marks.html.toFixed(0)} ms, DOM ready at ${marks.domReady.toFixed(0)} ms, graph (${marks.graphFetch.toFixed(0)} ms request) at ${marks.graph.toFixed(0)} ms`,
    );
    out.push({
      name: `ui: page load to interactive map (${loadFlows} flows)`,
      value: marks.drawn,
      unit: 'ms',
      target: { kind: 'max', value: 1000 },
    });
    out.push({
      name: `ui: map render (${pods} pods, ${edges} edges: layout + draw)`,
      value: marks.drawn - marks.graph,
      unit: 'ms',
      target: { kind: 'max', value: 2000 },
    });

    // 2. Frames while panning: the whole map in view (fitted), then at full detail (zoom 1).
    const pan = async (label: string) => {
      const box = (await page.getByTestId('service-map').boundingBox())!;
      await page.evaluate(() => {
        const w = window as unknown as { __frames: number[]; __last: number; __on: boolean };
        w.__frames = [];
        w.__on = true;
        w.__last = performance.now();
        const tick = (t: number) => {
          w.__frames.push(t - w.__last);
          w.__last = t;
          if (w.__on) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
      const x = box.x + box.width / 2;
      const y = box.y + box.height / 2;
      await page.mouse.move(x, y);
      await page.mouse.down();
      for (let s = 1; s <= 60; s++)
        await page.mouse.move(x + Math.sin(s / 6) * 300, y + Math.cos(s / 9) * 150);
      await page.mouse.up();
      await page.waitForTimeout(400);
      const frames = await page.evaluate(() => {
        const w = window as unknown as { __frames: number[]; __on: boolean };
        w.__on = false;
        return w.__frames.slice(1);
      });
      log(
        `  pan ${label}: ${frames.length} frames, median ${percentile(frames, 50).toFixed(1)} ms, p95 ${percentile(frames, 95).toFixed(1)} ms, max ${Math.max(...frames).toFixed(1)} ms`,
      );
      return frames;
    };
    const fitted = await pan('fitted');
    out.push({
      name: 'ui: frame time while panning, whole map (p95)',
      value: percentile(fitted, 95),
      unit: 'ms',
      target: { kind: 'max', value: 50 },
    });
    const zoomIn = page.getByRole('button', { name: 'Zoom in' });
    const zoom = async () => Number(await page.getByTestId('service-map').getAttribute('data-zoom'));
    while ((await zoom()) < 1) await zoomIn.click();
    await page.waitForTimeout(300);
    const detail = await pan(`at zoom ${(await zoom()).toFixed(2)}`);
    out.push({
      name: 'ui: frame time while panning, full detail (p95)',
      value: percentile(detail, 95),
      unit: 'ms',
      target: { kind: 'max', value: 50 },
    });

    // 3. Impact preview over the stored flows, from the editor's button to the result on screen.
    fill(previewFlows);
    await page.getByRole('link', { name: 'Policy editor' }).click();
    const editor = page.getByRole('textbox', { name: 'Policy YAML' });
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await editor.fill(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: lockdown
  namespace: ns-01
spec:
  podSelector: {}
  ingress:
    - from:
        - podSelector:
            matchLabels:
              tier: "0"
`);
    await page.getByTestId('check-state').getByText('valid').waitFor({ timeout: 60_000 });
    await page.getByRole('tab', { name: 'Impact preview' }).click();
    await page.getByLabel('Recorded flows from').selectOption('');
    const t0 = await page.evaluate(() => performance.now());
    await page.getByRole('button', { name: 'Preview impact' }).click();
    await page.getByTestId('impact-result').waitFor({ timeout: 120_000 });
    const t1 = await page.evaluate(() => performance.now());
    log(`  ${await page.getByTestId('impact-result').locator('p').first().textContent()}`);
    out.push({
      name: `ui: impact preview (${previewFlows} flows)`,
      value: t1 - t0,
      unit: 'ms',
      target: { kind: 'max', value: 2000 },
    });
  } finally {
    await browser.close();
    await fx.close();
  }
  return out;
}
