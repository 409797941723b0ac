// Services in a live isolated cluster: real clients in pods and outside, through the eBPF load balancer.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentClient } from '../../src/api/index.js';
import { paths } from '../../src/config/cluster-config.js';
import type { EndpointSlice, Pod, Service } from '../../src/resources/index.js';
import { LbLab, sh } from '../lb/lb-lab.js';
import { ClusterHarness } from './cluster-harness.js';

const root = process.getuid?.() === 0;
const NODE = process.execPath;
const EXT_IP = '198.51.100.1';
const WORLD_IP = '198.51.100.10';

/** A Node script run inside a pod (`porin exec`), returning its JSON output. */
function httpLoop(url: string, count: number, timeoutMs = 2000, peer = false): string {
  return `
    const http = require('node:http');
    const one = () => new Promise((resolve) => {
      const t0 = Date.now();
      const req = http.get(${JSON.stringify(url)}, { agent: false, timeout: ${timeoutMs} }, (res) => {
        let body = '';
        const extra = ${peer} ? { peer: res.socket.remoteAddress + ':' + res.socket.remotePort } : {};
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ body, ms: Date.now() - t0, ...extra }));
      });
      req.on('timeout', () => { req.destroy(); resolve({ error: 'timeout', ms: Date.now() - t0 }); });
      req.on('error', (e) => resolve({ error: e.code, ms: Date.now() - t0 }));
    });
    (async () => { const out = []; for (let i = 0; i < ${count}; i++) out.push(await one()); console.log(JSON.stringify(out)); })();`;
}

/** UDP datagrams ("hostname") to host:port; the reply and its source address. */
function udpLoop(host: string, port: number, count: number): string {
  return `
    const dgram = require('node:dgram');
    const dns = require('node:dns');
    const one = (addr) => new Promise((resolve) => {
      const s = dgram.createSocket('udp4');
      const t = setTimeout(() => { s.close(); resolve({ error: 'timeout' }); }, 2000);
      s.on('message', (m, r) => { clearTimeout(t); s.close(); resolve({ reply: String(m), from: r.address + ':' + r.port }); });
      s.send('hostname', ${port}, addr, (e) => { if (e) { clearTimeout(t); s.close(); resolve({ error: e.code }); } });
    });
    dns.lookup(${JSON.stringify(host)}, { family: 4 }, async (err, addr) => {
      if (err) { console.log(JSON.stringify([{ error: err.code }])); return; }
      const out = []; for (let i = 0; i < ${count}; i++) out.push(await one(addr)); console.log(JSON.stringify({ addr, out }));
    });`;
}

/** Connects in a loop for `ms`; counts successes, failures and which pod answered. */
function churnLoop(url: string, ms: number): string {
  return `
    const http = require('node:http');
    const end = Date.now() + ${ms};
    const r = { ok: 0, failed: 0, errors: {}, pods: {} };
    const one = () => new Promise((resolve) => {
      const req = http.get(${JSON.stringify(url)}, { agent: false, timeout: 3000 }, (res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => { r.ok++; r.pods[body] = (r.pods[body] || 0) + 1; resolve(); });
      });
      req.on('timeout', () => { req.destroy(); r.failed++; r.errors.timeout = (r.errors.timeout || 0) + 1; resolve(); });
      req.on('error', (e) => { r.failed++; r.errors[e.code] = (r.errors[e.code] || 0) + 1; resolve(); });
    });
    (async () => { while (Date.now() < end) await one(); console.log(JSON.stringify(r)); })();`;
}

/** Waits until the agent's datapath holds the store revision `rv` (the policy revision barrier). */
async function enforced(api: AgentClient, rv: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { revision } = await api.request<{ revision: number }>('GET', '/v1/policy/revision');
    if (revision >= rv) return;
    await sleep(50);
  }
  throw new Error(`policy revision ${rv} not enforced after 5 s`);
}

interface HttpResult {
  body?: string;
  error?: string;
  ms: number;
}

describe('services through the eBPF load balancer, live', { skip: !root && 'needs root' }, () => {
  const ext = `lbe${randomBytes(3).toString('hex')}`;
  // The test's own outside namespace stands in for the world (whose routes would take the same ranges).
  const h = new ClusterHarness({ PORIN_LB_DEVICES: ext, PORIN_WORLD: 'off' });
  let lab: LbLab;
  let world: string;
  let pods: Pod[] = [];
  const execJson = async <T>(pod: string, script: string): Promise<T> =>
    JSON.parse(await h.ok(['exec', pod, '--', NODE, '-e', script])) as T;
  const podsOf = (app: string) => pods.filter((p) => p.metadata.labels?.app === app);

  before(async () => {
    lab = new LbLab();
    // The cluster's host namespace exists before `porin up` (which adopts it), with the device the
    // outside world comes in on, so the agent attaches the packet LB to it and serves node ports there.
    sh('ip', ['netns', 'add', h.hostNetns]);
    sh('ip', ['-n', h.hostNetns, 'link', 'add', ext, 'type', 'veth', 'peer', 'name', `${ext}p`]);
    sh('ip', ['-n', h.hostNetns, 'addr', 'add', `${EXT_IP}/24`, 'dev', ext]);
    sh('ip', ['-n', h.hostNetns, 'link', 'set', ext, 'up']);
    await h.ok(['up', '-f', 'examples/starwars', '-f', 'test/cluster/fixtures/services.yaml']);
    world = lab.netns('world');
    sh('ip', ['-n', h.hostNetns, 'link', 'set', `${ext}p`, 'netns', world, 'name', 'eth0']);
    sh('ip', ['-n', world, 'addr', 'add', `${WORLD_IP}/24`, 'dev', 'eth0']);
    sh('ip', ['-n', world, 'link', 'set', 'eth0', 'up']);
    sh('ip', ['-n', world, 'route', 'add', '192.0.2.0/24', 'via', EXT_IP]);
    // Replies from pods to the world: pod-sourced traffic is routed by table 2004 (a blackhole by default).
    h.hostIp('route', 'add', '198.51.100.0/24', 'dev', ext, 'table', '2004');
    sh('ip', ['netns', 'exec', h.hostNetns, 'sysctl', '-qw', `net.ipv4.conf.${ext}.forwarding=1`]);
    pods = JSON.parse(await h.ok(['get', 'pods', '-o', 'json'])).items as Pod[];
  });

  after(async () => {
    await lab?.dispose();
    await h.cleanup();
  });

  it('needs no iptables NAT: no nat rule, and no DNAT or REJECT anywhere in the host namespace', () => {
    const nat = execFileSync('ip', ['netns', 'exec', h.hostNetns, 'iptables-save', '-t', 'nat'], {
      encoding: 'utf8',
    });
    assert.deepEqual(
      nat.split('\n').filter((l) => l.startsWith('-A')),
      [],
    );
    const all = execFileSync('ip', ['netns', 'exec', h.hostNetns, 'iptables-save'], { encoding: 'utf8' });
    assert.deepEqual(
      all.split('\n').filter((l) => /-j (DNAT|SNAT|MASQUERADE|REJECT)\b/.test(l)),
      [],
    );
  });

  it('ClusterIP with a named targetPort reaches every ready pod (by service name, through cluster DNS)', async () => {
    const res = await execJson<HttpResult[]>('client', httpLoop('http://web/hostname', 24));
    const names = new Set(res.map((r) => r.body ?? `error ${r.error}`));
    assert.deepEqual(
      [...names].sort(),
      podsOf('web')
        .map((p) => p.metadata.name)
        .sort(),
    );
  });

  it('UDP: dig answers through the kube-dns ClusterIP, and a UDP service replies from its ClusterIP', async () => {
    // Through `porin exec`: it joins the cluster's cgroup, where the socket LB programs are attached.
    const dig = await h.ok([
      'exec',
      'client',
      '--',
      'dig',
      '+timeout=2',
      '+tries=1',
      'web.default.svc.cluster.local',
    ]);
    const svc = JSON.parse(await h.ok(['get', 'svc', 'web', '-o', 'json'])) as Service;
    assert.match(
      dig,
      new RegExp(
        `web\\.default\\.svc\\.cluster\\.local\\.\\s+\\d+\\s+IN\\s+A\\s+${svc.spec.clusterIP!.replace(/\./g, '\\.')}`,
      ),
    );
    assert.match(dig, /SERVER: 10\.96\.0\.10#53/);
    const udp = await execJson<{
      addr: string;
      out: Array<{ reply?: string; from?: string; error?: string }>;
    }>('client', udpLoop('web.default.svc.cluster.local', 53, 12));
    assert.equal(udp.addr, svc.spec.clusterIP);
    for (const r of udp.out) {
      assert.equal(r.error, undefined);
      assert.equal(r.from, `${svc.spec.clusterIP}:53`);
      assert.ok(
        podsOf('web').some((p) => p.metadata.name === r.reply),
        r.reply,
      );
    }
  });

  it('ClientIP session affinity keeps a client on one pod', async () => {
    const res = await execJson<HttpResult[]>('client', httpLoop('http://web-sticky/hostname', 20));
    const names = new Set(res.map((r) => r.body));
    assert.equal(names.size, 1, [...names].join());
    assert.ok(podsOf('web').some((p) => p.metadata.name === [...names][0]));
  });

  it('a service with no endpoints is refused at once', async () => {
    const res = await execJson<HttpResult[]>('client', httpLoop('http://empty/', 3));
    for (const r of res) {
      assert.equal(r.error, 'ECONNREFUSED');
    }
  });

  it('hairpin: a pod reaches itself through its own service', async () => {
    const solo = podsOf('solo')[0]!;
    const res = await execJson<HttpResult[]>(solo.metadata.name, httpLoop('http://solo/hostname', 3));
    for (const r of res) assert.equal(r.body, solo.metadata.name);
  });

  it('NodePort and LoadBalancer (address from the pool, Maglev) from an outside namespace', async () => {
    const lb = JSON.parse(await h.ok(['get', 'svc', 'web-lb', '-o', 'json'])) as Service;
    const lbIP = lb.status?.loadBalancer?.ingress?.[0]?.ip;
    assert.match(lbIP ?? '', /^192\.0\.2\.\d+$/);
    const web = podsOf('web').map((p) => p.metadata.name);
    for (const [addr, port] of [
      [EXT_IP, 30080],
      [lbIP!, 80],
    ] as const) {
      const res = JSON.parse(
        await lab.run(world, httpLoop(`http://${addr}:${port}/hostname`, 9, 2000, true)),
      ) as Array<HttpResult & { peer?: string }>;
      for (const r of res) {
        assert.ok(web.includes(r.body ?? ''), `${addr}:${port}: ${JSON.stringify(r)}`);
        assert.equal(r.peer, `${addr}:${port}`, 'the client sees the address it dialled');
      }
      assert.ok(new Set(res.map((r) => r.body)).size > 1, `${addr}:${port} reached one pod only`);
    }
    const list = await h.ok(['service', 'list', '-o', 'json']);
    const rows = JSON.parse(list) as Array<{ frontend: string; type: string; algorithm: string }>;
    assert.ok(rows.some((r) => r.frontend === `${EXT_IP}:30080/TCP` && r.type === 'NodePort'));
    assert.ok(
      rows.some(
        (r) => r.frontend === `${lbIP}:80/TCP` && r.type === 'LoadBalancer' && r.algorithm === 'maglev',
      ),
    );
  });

  it('1,000 endpoint updates during traffic: no failed connection to surviving backends', async () => {
    // Two pods stay backends throughout; two others come and go (no pod is another service's backend, so
    // flows to them name this service).
    const extra = podsOf('extra');
    const stable = extra.slice(0, 2).map((p) => p.status!.podIP!);
    const churning = extra.slice(2).map((p) => p.status!.podIP!);
    const slice = (addrs: string[]): EndpointSlice => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'churn-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'churn' } },
      addressType: 'IPv4',
      endpoints: addrs.map((a) => ({ addresses: [a], conditions: { ready: true }, nodeName: 'porin-node' })),
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
    const api = new AgentClient(paths(h.config).socket);
    await api.apply([slice(stable)]);
    await sleep(200);
    const traffic = execJson<{
      ok: number;
      failed: number;
      errors: Record<string, number>;
      pods: Record<string, number>;
    }>('client', churnLoop('http://churn/hostname', 12_000));
    await sleep(1000);
    for (let i = 0; i < 1000; i++) {
      const some = churning.filter((_, j) => (i >> j) & 1);
      await api.apply([slice([...stable, ...some])]);
    }
    const r = await traffic;
    assert.equal(r.failed, 0, `failed connections: ${JSON.stringify(r.errors)}`);
    assert.ok(r.ok > 20, `${r.ok} connections`);
    for (const p of extra) assert.ok((r.pods[p.metadata.name] ?? 0) > 0, `${p.metadata.name} never answered`);
  });

  it('egress policies act on traffic through services, for every peer form', async () => {
    const svc = JSON.parse(await h.ok(['get', 'svc', 'web', '-o', 'json'])) as Service;
    const dnsRule = {
      toEndpoints: [
        { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s-app': 'kube-dns' } },
      ],
      toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }] }],
    };
    const policies: Array<[string, unknown]> = [
      [
        'toEndpoints + named port',
        {
          egress: [
            dnsRule,
            {
              toEndpoints: [{ matchLabels: { app: 'web' } }],
              toPorts: [{ ports: [{ port: 'http', protocol: 'TCP' }] }],
            },
          ],
        },
      ],
      [
        'toServices (selector service; DNS through toServices of kube-dns, a service without selector)',
        {
          egress: [
            { toServices: [{ k8sService: { serviceName: 'kube-dns', namespace: 'kube-system' } }] },
            { toServices: [{ k8sService: { serviceName: 'web', namespace: 'default' } }] },
          ],
        },
      ],
    ];
    const cnp = (spec: unknown) => ({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'client-egress', namespace: 'default' },
      spec: { endpointSelector: { matchLabels: { app: 'client' } }, ...(spec as object) },
    });
    const knp = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'client-egress', namespace: 'default' },
      spec: {
        podSelector: { matchLabels: { app: 'client' } },
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ podSelector: { matchLabels: { app: 'web' } } }],
            ports: [{ port: 'http', protocol: 'TCP' }],
          },
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [{ port: 53, protocol: 'UDP' }],
          },
        ],
      },
    };
    const api = new AgentClient(paths(h.config).socket);
    const cases: Array<[string, object]> = [
      ...policies.map(([n, s]) => [n, cnp(s)] as [string, object]),
      ['NetworkPolicy to pods + DNS', knp],
    ];
    for (const [name, policy] of cases) {
      const applied = await api.apply([policy]);
      await enforced(api, Number(applied.results[0]!.object.metadata.resourceVersion));
      const ok = await execJson<HttpResult[]>('client', httpLoop('http://web/hostname', 6));
      for (const r of ok)
        assert.ok(
          podsOf('web').some((p) => p.metadata.name === r.body),
          `${name}: ${JSON.stringify(r)}`,
        );
      // Not allowed: another service (solo) by name, and the web pods on another port through their UDP service.
      const denied = await execJson<HttpResult[]>('client', httpLoop('http://solo/hostname', 1, 1500));
      assert.equal(denied[0]!.error, 'timeout', `${name}: solo must be denied`);
      const flows = await h.ok([
        'observe',
        '--from-pod',
        'default/client',
        '--last',
        '100',
        '--verdict',
        'FORWARDED',
        '-o',
        'json',
      ]);
      assert.match(
        flows,
        /"destination_service":\{"namespace":"default","name":"web"\}/,
        `${name}: flows name the service`,
      );
      await api.delete([
        {
          kind: policy === knp ? 'NetworkPolicy' : 'CiliumNetworkPolicy',
          namespace: 'default',
          name: 'client-egress',
        },
      ]);
      await sleep(300);
    }
    assert.ok(svc.spec.clusterIP);
  });
});
