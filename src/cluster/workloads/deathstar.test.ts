import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startDeathstar } from './deathstar.js';

async function call(port: number, method: string, path: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  return { status: res.status, body: await res.text(), allow: res.headers.get('allow') };
}

describe('deathstar', () => {
  it('answers 405 for a known path with the wrong method and 404 off the API', async () => {
    const ds = await startDeathstar({ bind: '127.0.0.1', port: 0 });
    try {
      const port = ds.listeners[0]!.port;
      const r = await call(port, 'GET', '/v1/exhaust-port');
      assert.equal(r.status, 405);
      assert.equal(r.allow, 'PUT');
      assert.deepEqual(JSON.parse(r.body), {
        code: 405,
        message: 'method GET is not allowed, but [PUT] are',
      });
      assert.equal((await call(port, 'DELETE', '/v1')).status, 405);
      assert.equal((await call(port, 'GET', '/')).status, 404);
      assert.equal((await call(port, 'POST', '/v1/request-landing/')).body, 'Ship landed\n');
    } finally {
      await ds.close();
    }
  });

  it('calls onExplode once, 2 s after the first exhaust-port hit; close() defuses it', async () => {
    const count = { live: 0, closed: 0 };
    const live = await startDeathstar({ bind: '127.0.0.1', port: 0, onExplode: () => count.live++ });
    const closed = await startDeathstar({ bind: '127.0.0.1', port: 0, onExplode: () => count.closed++ });
    try {
      await call(live.listeners[0]!.port, 'PUT', '/v1/exhaust-port');
      await call(live.listeners[0]!.port, 'PUT', '/v1/exhaust-port');
      await call(closed.listeners[0]!.port, 'PUT', '/v1/exhaust-port');
      await closed.close();
      assert.equal(count.live, 0, 'not at once');
      await new Promise((r) => setTimeout(r, 2100));
      assert.deepEqual(count, { live: 1, closed: 0 });
    } finally {
      await live.close();
    }
  });
});
