// Checks that every upstream netpol e2e case in upstream-cases.ts is ported by exactly one test file.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UPSTREAM_CASES } from './upstream-cases.js';

const here = dirname(fileURLToPath(import.meta.url));
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const MAIN_FILES = ['k8s-e2e-selectors', 'k8s-e2e-updates', 'k8s-e2e-egress-ipblock'].map(
  (f) => `${f}.test${ext}`,
);
const PROTOCOL_FILE = `k8s-e2e-udp-sctp.test${ext}`;

function source(file: string): string {
  return readFileSync(join(here, file), 'utf8');
}

/** The case names passed to `upstreamCase(CONTEXT, '<name>', ...)` in a file (string literal after the context). */
function registeredNames(text: string): string[] {
  const names: string[] = [];
  const re = /upstreamCase\(\s*[A-Za-z_]+,\s*(['"`])((?:\\.|(?!\1).)*)\1/gs;
  for (const m of text.matchAll(re)) names.push(m[2]!.replace(/\\(.)/g, '$1'));
  return names;
}

describe('upstream netpol e2e coverage', () => {
  it('lists 48 upstream cases with unique ids (42 main, 3 UDP, 3 SCTP)', () => {
    assert.equal(UPSTREAM_CASES.length, 48);
    assert.deepEqual(
      UPSTREAM_CASES.map((c) => c.id),
      Array.from({ length: 48 }, (_, i) => i + 1),
    );
    const counts = new Map<string, number>();
    for (const c of UPSTREAM_CASES) counts.set(c.context, (counts.get(c.context) ?? 0) + 1);
    assert.deepEqual([...counts.values()], [42, 3, 3]);
  });

  it('ports every main-block case exactly once', () => {
    const present = new Set(readdirSync(here));
    for (const f of MAIN_FILES) assert.ok(present.has(f), `missing ${f}`);
    const registered = MAIN_FILES.flatMap((f) => registeredNames(source(f)));
    const expected = UPSTREAM_CASES.filter(
      (c) => c.context === 'NetworkPolicy between server and client',
    ).map((c) => c.name);
    assert.deepEqual([...registered].sort(), [...expected].sort());
  });

  it('ports the UDP and SCTP blocks (same three cases, parameterized by protocol)', () => {
    const registered = registeredNames(source(PROTOCOL_FILE));
    for (const context of [
      'NetworkPolicy between server and client using UDP',
      'NetworkPolicy between server and client using SCTP',
    ]) {
      const expected = UPSTREAM_CASES.filter((c) => c.context === context).map((c) => c.name);
      assert.deepEqual([...registered].sort(), [...expected].sort(), context);
    }
  });
});
