// IPAM under churn: 1,000 ADD/DEL cycles from 4 processes × 2 lanes on a 13-address pool — two through the thin plugin
// and the CNI server (its lock lease), two calling the plugin's code in-process (a flock per call) — on one IPAM
// directory; no leak, no double holder.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ChurnJob, ChurnReport } from './churn-worker.js';
import { CniLab, namespacesWithPrefix, SKIP_UNLESS_ROOT } from './cni-lab.js';

const WORKERS = 4;
const LANES = 2;
const CYCLES = 1000;
const WORKER = fileURLToPath(new URL('./churn-worker.js', import.meta.url));

let lab: CniLab;
beforeEach(async () => {
  if (!SKIP_UNLESS_ROOT) lab = await CniLab.create();
});
afterEach(async () => {
  if (!lab) return;
  const prefix = lab.prefix;
  await lab.dispose();
  assert.deepEqual(await namespacesWithPrefix(prefix), []);
});

function startWorker(job: ChurnJob): Promise<ChurnReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'nsenter',
      [`--net=${lab.hostNsPath}`, process.execPath, WORKER, JSON.stringify(job)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    lab.track(child.pid);
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
    });
    child.on('close', (code) => {
      lab.untrack(child.pid);
      try {
        resolve(JSON.parse(out) as ChurnReport);
      } catch {
        reject(new Error(`worker ${job.worker} exited ${code} without a report`));
      }
    });
  });
}

describe('IPAM under churn', { skip: SKIP_UNLESS_ROOT }, () => {
  it(`${CYCLES} ADD/DEL cycles, ${WORKERS} processes × ${LANES} lanes, server and in-process: every address has one holder at a time, nothing leaks`, {
    timeout: 900_000,
  }, async () => {
    const conf = { ...lab.conf({ podCIDR: '10.244.3.0/28' }), name: 'porin' } as ChurnJob['conf'];
    const reports = await Promise.all(
      Array.from({ length: WORKERS }, (_, worker) =>
        startWorker({
          mode: worker % 2 === 0 ? 'plugin' : 'in-process',
          prefix: lab.prefix,
          worker,
          cycles: CYCLES / WORKERS,
          concurrency: LANES,
          conf,
          cniPath: lab.cniPath.join(':'),
        }),
      ),
    );
    const failures = reports.flatMap((r) => r.failures);
    assert.deepEqual(failures, [], 'every ADD and DEL succeeded');
    const records = reports.flatMap((r) => r.records);
    assert.equal(records.length, CYCLES);
    // No address ever held by two containers: per address, the holding intervals do not overlap.
    const byIp = new Map<string, typeof records>();
    for (const r of records) byIp.set(r.ip, [...(byIp.get(r.ip) ?? []), r]);
    for (const [ip, list] of byIp) {
      list.sort((a, b) => a.heldFrom - b.heldFrom);
      for (let i = 1; i < list.length; i++) {
        assert.ok(
          list[i]!.heldFrom > list[i - 1]!.heldUntil,
          `${ip} held by ${list[i - 1]!.containerId} and ${list[i]!.containerId} at once`,
        );
      }
    }
    assert.ok(
      byIp.size > 1 && [...byIp.keys()].every((ip) => /^10\.244\.3\.([2-9]|1[0-4])$/.test(ip)),
      [...byIp.keys()].join(),
    );
    // Nothing left: no address file, no link, no route, no namespace.
    const dir = join(lab.dataDir, 'porin');
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^\d/.test(f)) : [];
    assert.deepEqual(files, [], 'no leaked address file');
    assert.deepEqual(
      (JSON.parse(await lab.ip('-json', 'link', 'show')) as Array<{ ifname: string }>).map((l) => l.ifname),
      ['lo'],
      'no leaked link',
    );
    assert.equal((await lab.ip('route', 'show', 'table', '2004')).trim(), 'blackhole default');
    assert.doesNotMatch(await lab.ip('route', 'show'), /10\.244\.3\./);
    assert.deepEqual(await namespacesWithPrefix(`${lab.prefix}-w`), [], 'no leaked namespace');
  });

  it('16 plugin processes at once on a 13-address pool: 13 distinct addresses, 3 × POOL_EXHAUSTED', async () => {
    const conf = lab.conf({ podCIDR: '10.244.4.0/28' });
    const pods = await Promise.all(Array.from({ length: 16 }, (_, i) => lab.addPod(`p${i}`)));
    const runs = await Promise.all(
      pods.map((netns, i) =>
        lab.plugin('ADD', { containerId: `p${i}-${lab.prefix}`, netns, ifname: 'eth0', stdin: conf }),
      ),
    );
    const ips = runs.filter((r) => r.exitCode === 0).map((r) => r.json.ips[0].address as string);
    assert.equal(ips.length, 13);
    assert.equal(new Set(ips).size, 13, 'no address handed out twice');
    assert.deepEqual(
      runs.filter((r) => r.exitCode !== 0).map((r) => r.json.code),
      [102, 102, 102],
    );
    await Promise.all(
      pods.map((netns, i) =>
        lab.plugin('DEL', { containerId: `p${i}-${lab.prefix}`, netns, ifname: 'eth0', stdin: conf }),
      ),
    );
    assert.deepEqual(
      readdirSync(join(lab.dataDir, 'porin')).filter((f) => /^\d/.test(f)),
      [],
    );
  });
});
