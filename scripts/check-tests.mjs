// Test check: every test (`it(…)`/`test(…)`) asserts something — directly, or through a helper of its own file
// or an imported helper whose name says it asserts (assert*, expect*, check*, verify*). A test that asserts
// nothing cannot fail; this makes that a CI failure instead of a passing line.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const files = [];
const walk = (d) => {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (f === 'node_modules' || f === 'dist') continue;
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.test.ts') || p.endsWith('.test.tsx')) files.push(p);
  }
};
for (const d of ['src', 'test', 'ui']) {
  try {
    walk(join(root, d));
  } catch {
    // folder absent
  }
}

/** Index just past the block that starts at `open` (a `{`), skipping strings, templates and comments. */
function blockEnd(src, open) {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const ch = src[i];
    if (ch === '/' && src[i + 1] === '/') {
      i = src.indexOf('\n', i);
      if (i < 0) return src.length;
      continue;
    }
    if (ch === '/' && src[i + 1] === '*') {
      i = src.indexOf('*/', i + 2) + 1;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      for (i++; i < src.length && src[i] !== ch; i++) {
        if (src[i] === '\\') i++;
        else if (ch === '`' && src[i] === '$' && src[i + 1] === '{') i = blockEnd(src, i + 1) - 1;
      }
      continue;
    }
    if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i + 1;
  }
  return src.length;
}

const ASSERTS = /\bassert|\bexpect[A-Z(]|\.rejects\(|\.throws\(|\bcheck\w*\(|\bverify\w*\(|\bmust[A-Z]\w*\(/;
const problems = [];
let tests = 0;
for (const file of files) {
  const src = readFileSync(file, 'utf8');
  // Local helpers that assert: function f(…) { …assert… } and const f = (…) => { …assert… }.
  const asserting = new Set();
  for (const m of src.matchAll(/(?:function\s+(\w+)\s*\(|(?:const|let)\s+(\w+)\s*=\s*(?:async\s*)?\([^)]*\)\s*(?::[^=]+)?=>\s*)/g)) {
    const name = m[1] ?? m[2];
    const brace = src.indexOf('{', m.index + m[0].length - 1);
    const body = brace >= 0 ? src.slice(brace, blockEnd(src, brace)) : '';
    if (ASSERTS.test(body)) asserting.add(name);
  }
  for (let round = 0; round < 3; round++) {
    for (const m of src.matchAll(/(?:function\s+(\w+)\s*\(|(?:const|let)\s+(\w+)\s*=\s*(?:async\s*)?\([^)]*\)\s*(?::[^=]+)?=>\s*)/g)) {
      const name = m[1] ?? m[2];
      const brace = src.indexOf('{', m.index + m[0].length - 1);
      const body = brace >= 0 ? src.slice(brace, blockEnd(src, brace)) : '';
      if ([...asserting].some((h) => new RegExp(`\\b${h}\\(`).test(body))) asserting.add(name);
    }
  }
  for (const m of src.matchAll(/(?:^|[^\w.])(it|test)\(\s*(?:`[^`]*`|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[\w.]+)\s*,/g)) {
    const start = m.index + m[0].length;
    // the callback: an arrow or function; its body is the next `{…}` after `=>`/`)`, or an expression
    const arrow = src.indexOf('=>', start);
    const fn = src.indexOf('function', start);
    const at = [arrow, fn].filter((x) => x >= 0).sort((a, b) => a - b)[0];
    if (at === undefined) continue;
    let body;
    const brace = src.indexOf('{', at);
    const nextTest = src.slice(at + 2).search(/(?:^|[^\w.])(it|test|describe)\(/);
    const exprEnd = nextTest < 0 ? src.length : at + 2 + nextTest;
    if (brace >= 0 && /^\s*$/.test(src.slice(at + 2, brace).replace(/^\s*async\s*/, '').replace(/\([^)]*\)\s*/, ''))) {
      body = src.slice(brace, blockEnd(src, brace));
    } else body = src.slice(at, exprEnd);
    tests++;
    const calls = [...body.matchAll(/\b(\w+)\(/g)].map((c) => c[1]);
    if (ASSERTS.test(body) || calls.some((c) => asserting.has(c)) || /\bskip\(|todo\(/.test(body)) continue;
    const line = src.slice(0, m.index + m[0].indexOf(m[1])).split('\n').length;
    problems.push(`${relative(root, file)}:${line}: this test asserts nothing (no assert, no asserting helper)`);
  }
}
if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`${problems.length} test(s) that cannot fail`);
  process.exit(1);
}
console.log(`tests: ${tests} tests in ${files.length} files, each asserts something`);
