// Cilium's documented HTTP rule forms on real traffic: each policy example's rules run in the proxy's HTTP handler
// (judge() applies them with the policy matcher), requests go out from curl, answers come from real servers.
//
// Sources: Documentation/security/policy/layer7.rst (the "l7-rule" example, headers, the host field),
// the Star Wars demo (examples/minikube/sw_l3_l4_l7_policy.yaml), cilium-cli's connectivity test
// manifest client-egress-l7-http-matchheader-secret.yaml (headerMatches REPLACE from a Secret), and
// policy-semantics.md / l7-lb-facts.md §1 for the expected semantics (full-match regexes, query included,
// :authority keeps its port, rules OR'ed, {} allows all, 403 "Access denied").
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEATHSTAR_LANDED, startDeathstar } from '../../src/cluster/workloads/index.js';
import type { PortRuleHTTP } from '../../src/resources/index.js';
import { curl, type ProxyFixture, startProxy } from '../proxy/proxy-fixture.js';
import type { Upstream } from '../proxy/upstreams.js';

/** `code body` for one curl request through the fixture. */
async function ask(f: ProxyFixture, path: string, ...args: string[]): Promise<string> {
  const r = await curl(['-w', ' %{http_code}', ...args, f.url(path)]);
  return r.stdout;
}
const code = async (f: ProxyFixture, path: string, ...args: string[]) =>
  (await ask(f, path, ...args)).slice(-3);

describe('Star Wars demo: rule1 (POST /v1/request-landing) against the deathstar', () => {
  let f: ProxyFixture;
  before(async () => {
    const ds = await startDeathstar({ port: 0, bind: '127.0.0.1' });
    const up: Upstream = {
      port: ds.listeners[0]!.port,
      seen: [],
      connections: 0,
      events: undefined as never,
      openGate() {},
      close: () => ds.close(),
    };
    f = await startProxy([{ method: 'POST', path: '/v1/request-landing' }], { upstream: up });
  });
  after(() => f.close());

  it('the tiefighter lands', async () => {
    assert.equal(await ask(f, '/v1/request-landing', '-X', 'POST'), `${DEATHSTAR_LANDED} 200`);
  });
  it('PUT /v1/exhaust-port gets 403 Access denied (the deathstar never sees it)', async () => {
    assert.equal(await ask(f, '/v1/exhaust-port', '-X', 'PUT'), 'Access denied\r\n 403');
  });
  it('other methods and paths are denied: GET /v1, POST /v1/request-landing/x, GET /v1/request-landing', async () => {
    assert.equal(await code(f, '/v1'), '403');
    assert.equal(await code(f, '/v1/request-landing/x', '-X', 'POST'), '403');
    assert.equal(await code(f, '/v1/request-landing'), '403');
  });
});

describe('layer7.rst "l7-rule": GET /path1$ and PUT /path2$ with X-My-Header: true', () => {
  let f: ProxyFixture;
  before(async () => {
    f = await startProxy([
      { method: 'GET', path: '/path1$' },
      { method: 'PUT', path: '/path2$', headers: ['X-My-Header: true'] },
    ]);
  });
  after(() => f.close());

  it('GET /path1 and PUT /path2 with the header are allowed', async () => {
    assert.equal(await code(f, '/path1', '-o', '/dev/null'), '200');
    assert.equal(await code(f, '/path2', '-o', '/dev/null', '-X', 'PUT', '-H', 'X-My-Header: true'), '200');
  });
  it('the header must be present with exactly that value', async () => {
    assert.equal(await code(f, '/path2', '-X', 'PUT'), '403');
    assert.equal(await code(f, '/path2', '-X', 'PUT', '-H', 'X-My-Header: false'), '403');
    assert.equal(
      await code(f, '/path2', '-X', 'PUT', '-H', 'X-My-Header: true '),
      '200',
      'OWS is not part of a value',
    );
    assert.equal(
      await code(f, '/path2', '-o', '/dev/null', '-X', 'PUT', '-H', 'x-my-header: true'),
      '200',
      'names are case-insensitive',
    );
  });
  it('paths match whole, query string included; methods match whole', async () => {
    assert.equal(await code(f, '/path1/sub'), '403');
    assert.equal(await code(f, '/path1?a=1'), '403');
    assert.equal(await code(f, '/xpath1'), '403');
    assert.equal(await code(f, '/path1', '-I'), '403', 'HEAD is not GET');
    assert.equal(await code(f, '/path2', '-H', 'X-My-Header: true'), '403', 'GET is not PUT');
  });
});

describe('headers: presence only, and the host field', () => {
  it('headers: ["X-Request-Id"] needs the header, any value', async () => {
    const f = await startProxy([{ headers: ['X-Request-Id'] }]);
    try {
      assert.equal(await code(f, '/', '-o', '/dev/null', '-H', 'X-Request-Id: 42'), '200');
      assert.equal(await code(f, '/'), '403');
    } finally {
      await f.close();
    }
  });
  it('host: "foo\\.com" matches the authority whole: foo.com:8080 and bar.foo.com are denied', async () => {
    const f = await startProxy([{ host: 'foo\\.com' }]);
    try {
      assert.equal(await code(f, '/', '-o', '/dev/null', '-H', 'Host: foo.com'), '200');
      assert.equal(await code(f, '/', '-H', 'Host: foo.com:8080'), '403');
      assert.equal(await code(f, '/', '-H', 'Host: bar.foo.com'), '403');
    } finally {
      await f.close();
    }
  });
});

describe('rule lists: OR and the empty rule', () => {
  it('rules are OR-ed; {} allows everything (the visibility idiom)', async () => {
    const f = await startProxy([
      { method: 'GET', path: '/a' },
      { method: 'POST', path: '/b' },
    ]);
    try {
      assert.equal(await code(f, '/a', '-o', '/dev/null'), '200');
      assert.equal(await code(f, '/b', '-o', '/dev/null', '-X', 'POST'), '200');
      assert.equal(await code(f, '/b'), '403');
    } finally {
      await f.close();
    }
    const all = await startProxy([{}]);
    try {
      assert.equal(await code(all, '/anything?at=all', '-o', '/dev/null', '-X', 'DELETE'), '200');
    } finally {
      await all.close();
    }
  });
});

describe('headerMatches (cilium-cli connectivity test client-egress-l7-http-matchheader-secret)', () => {
  // The agent resolves secret header-match into `value` before feeding the proxy; the rule keeps `secret`.
  const rules: PortRuleHTTP[] = [
    {
      method: 'POST',
      path: '/auth-header-required$',
      headerMatches: [
        {
          name: 'Authorization',
          mismatch: 'REPLACE',
          secret: { namespace: 'cilium-test', name: 'header-match' },
          value: 'Bearer 123456',
        },
      ],
    },
  ];

  it('REPLACE puts the secret value into the forwarded request, whatever the client sent', async () => {
    const f = await startProxy(rules);
    try {
      for (const extra of [[], ['-H', 'Authorization: Bearer wrong']]) {
        const body = await ask(f, '/auth-header-required', '-X', 'POST', ...extra);
        assert.ok(body.endsWith(' 200'), body);
        const auth = f.up.seen.at(-1)!.headers.filter(([k]) => k === 'authorization');
        assert.deepEqual(auth, [['authorization', 'Bearer 123456']]);
      }
      assert.equal(await code(f, '/other', '-X', 'POST'), '403');
    } finally {
      await f.close();
    }
  });

  it('a Secret the agent could not read (no value) makes the rule deny: fail closed', async () => {
    const f = await startProxy([
      {
        ...rules[0],
        headerMatches: [{ name: 'Authorization', mismatch: 'REPLACE', secret: { name: 'gone' } }],
      },
    ]);
    try {
      assert.equal(await code(f, '/auth-header-required', '-X', 'POST', '-H', 'Authorization: x'), '403');
    } finally {
      await f.close();
    }
  });

  it('without mismatch the value must match (FAIL); LOG lets it through unchanged', async () => {
    const f = await startProxy([
      { path: '/fail', headerMatches: [{ name: 'X-Token', value: 'abc' }] },
      { path: '/log', headerMatches: [{ name: 'X-Token', value: 'abc', mismatch: 'LOG' }] },
    ]);
    try {
      assert.equal(await code(f, '/fail', '-o', '/dev/null', '-H', 'X-Token: abc'), '200');
      assert.equal(await code(f, '/fail', '-H', 'X-Token: xyz'), '403');
      assert.equal(await code(f, '/log', '-o', '/dev/null', '-H', 'X-Token: xyz'), '200');
      assert.deepEqual(
        f.up.seen.at(-1)!.headers.filter(([k]) => k === 'x-token'),
        [['x-token', 'xyz']],
      );
    } finally {
      await f.close();
    }
  });
});
