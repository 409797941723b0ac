/// <reference lib="dom" />
// Accessibility checks through Chromium's own accessibility tree (CDP): controls without a name, and how far Tab goes.
import type { Page } from 'playwright-core';

const INTERACTIVE = new Set([
  'button',
  'link',
  'textbox',
  'combobox',
  'checkbox',
  'radio',
  'tab',
  'switch',
  'slider',
  'menuitem',
  'option',
  'searchbox',
  'spinbutton',
  'application',
]);

interface AXNode {
  ignored?: boolean;
  role?: { value?: string };
  name?: { value?: string };
  properties?: { name: string; value: { value?: unknown } }[];
}

/** Every interactive node the browser exposes without an accessible name ("role: what it is"). */
export async function accessibleNameProblems(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as unknown as { nodes: AXNode[] };
    const out: string[] = [];
    for (const n of nodes) {
      const role = n.role?.value ?? '';
      if (n.ignored || !INTERACTIVE.has(role)) continue;
      const hidden = n.properties?.some((p) => p.name === 'hidden' && p.value.value === true);
      if (hidden) continue;
      if (!n.name?.value?.trim()) out.push(`${role} without a name`);
    }
    return out;
  } finally {
    await cdp.detach();
  }
}

/** Presses Tab from the top of the page until `done()` holds in the page (false after `max` presses). */
export async function tabUntil(page: Page, done: () => boolean, max: number): Promise<boolean> {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(done)) return true;
  }
  return false;
}
