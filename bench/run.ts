// Runs every exported function of every `*.bench.js` beside this file and prints a summary table.
// Usage: node --expose-gc dist/bench/run.js [--quick] [name ...] — `--quick` uses small sizes; names pick bench files.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type Bench,
  formatMeasurement,
  formatTarget,
  formatValue,
  type Measurement,
  targetMet,
} from './measurement.js';

const quick = process.argv.includes('--quick');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const here = dirname(fileURLToPath(import.meta.url));
const log = (line: string) => console.log(line);

if (typeof globalThis.gc !== 'function')
  log('note: run node with --expose-gc for stable memory numbers (npm run bench does)');
log(`porin bench${quick ? ' --quick' : ''}: node ${process.version}, ${new Date().toISOString()}`);

const results: Measurement[] = [];
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js') && (only.length === 0 || only.some((o) => f.includes(o))))
  .sort();
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as Record<string, unknown>;
  for (const [name, fn] of Object.entries(mod)) {
    if (typeof fn !== 'function') continue;
    log(`\n== ${file} ${name}`);
    const measured = await (fn as Bench)({ quick, log });
    for (const m of measured) log(formatMeasurement(m));
    results.push(...measured);
  }
}

const rows = results.map((m) => {
  const met = targetMet(m);
  const ratio = m.target ? (m.value / m.target.value).toFixed(3) : '';
  return [
    m.name,
    formatValue(m.value, m.unit),
    formatTarget(m),
    ratio,
    met === undefined ? '' : met ? 'met' : 'MISSED',
  ];
});
const header = ['measurement', 'value', 'target', 'ratio', ''];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) =>
  r
    .map((c, i) => c.padEnd(widths[i]!))
    .join('  ')
    .trimEnd();
log(`\nsummary${quick ? ' (--quick: reduced sizes, targets are for the full size)' : ''}`);
log(line(header));
log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) log(line(r));
const missed = results.filter((m) => targetMet(m) === false).length;
log(missed === 0 ? '\nall targets met' : `\n${missed} target(s) missed`);
